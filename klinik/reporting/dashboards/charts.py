"""Bar charts drawn on the server as SVG: horizontal bars, the label to the left, the number
beside each bar, and a hatched pattern for a second series, so a chart reads without colour
(and without JavaScript). The template draws what `chart_layout` places."""

from __future__ import annotations

from dataclasses import dataclass

from klinik.reporting.dashboards.selectors import HATCHED, Panel

LABEL_MIN, LABEL_MAX = 60, 380
CHARACTER_WIDTH = 7  # at font-size 12, generous for capitals and æøå
BAR_AREA = 300
TEXT_WIDTH = 190
ROW_HEIGHT = 22
BAR_HEIGHT = 16
TOP = 4


@dataclass(frozen=True)
class PlacedBar:
    y: int
    width: int
    label: str  # shortened to fit; empty on the second bar of a pair (same label)
    full_label: str
    text: str
    is_hatched: bool
    series: str
    text_y: int


@dataclass(frozen=True)
class ChartLayout:
    width: int
    height: int
    label_width: int
    bar_height: int
    bars: list[PlacedBar]


def _fit(label: str, width: int) -> str:
    """The label cut to the width with an ellipsis (the bar's title holds it whole)."""
    room = (width - 8) // CHARACTER_WIDTH
    return label if len(label) <= room else label[: room - 1].rstrip() + "\u2026"


def chart_layout(panel: Panel) -> ChartLayout:
    longest = max((len(b.label) for b in panel.bars), default=0)
    label_width = min(LABEL_MAX, max(LABEL_MIN, CHARACTER_WIDTH * longest + 8))
    top = max((b.value for b in panel.bars), default=0)
    scale = panel.scale_max or top or 1
    placed = []
    previous = None
    for index, bar in enumerate(panel.bars):
        y = TOP + index * ROW_HEIGHT
        width = round(BAR_AREA * min(max(bar.value, 0), scale) / scale) if scale else 0
        placed.append(
            PlacedBar(
                y=y,
                width=width,
                label="" if bar.label == previous else _fit(bar.label, label_width),
                full_label=bar.label,
                text=f"{bar.series}: {bar.text}" if bar.series else bar.text,
                is_hatched=bar.fill == HATCHED,
                series=bar.series,
                text_y=y + BAR_HEIGHT - 4,
            )
        )
        previous = bar.label
    return ChartLayout(
        width=label_width + BAR_AREA + TEXT_WIDTH,
        height=TOP * 2 + len(panel.bars) * ROW_HEIGHT,
        label_width=label_width,
        bar_height=BAR_HEIGHT,
        bars=placed,
    )
