"""Bar charts drawn on the server as SVG: horizontal bars, the label to the left, the number
beside each bar, and a hatched pattern for a second series, so a chart reads without colour
(and without JavaScript). The template draws what `chart_layout` places."""

from __future__ import annotations

from dataclasses import dataclass

from klinik.reporting.dashboards.selectors import HATCHED, Panel

LABEL_WIDTH = 150
BAR_AREA = 300
TEXT_WIDTH = 190
ROW_HEIGHT = 22
BAR_HEIGHT = 16
TOP = 4


@dataclass(frozen=True)
class PlacedBar:
    y: int
    width: int
    label: str  # empty on the second bar of a pair (same label)
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


def chart_layout(panel: Panel) -> ChartLayout:
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
                label="" if bar.label == previous else bar.label,
                text=f"{bar.series}: {bar.text}" if bar.series else bar.text,
                is_hatched=bar.fill == HATCHED,
                series=bar.series,
                text_y=y + BAR_HEIGHT - 4,
            )
        )
        previous = bar.label
    return ChartLayout(
        width=LABEL_WIDTH + BAR_AREA + TEXT_WIDTH,
        height=TOP * 2 + len(panel.bars) * ROW_HEIGHT,
        label_width=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
        bars=placed,
    )
