"""The measurements chart: one small panel per kind on a shared time axis, drawn as inline SVG
by the template from the coordinates computed here (no JavaScript, no inline styles)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from klinik.patients.models import Patient
from klinik.records.choices import MeasurementKind
from klinik.records.clinical.plausibility import (
    DIASTOLIC_LABEL,
    SYSTOLIC_LABEL,
    UNITS,
    decimal_text,
)
from klinik.records.models import Measurement

CHART_WIDTH = 640
CHART_HEIGHT = 150
PAD_LEFT = 48
PAD_RIGHT = 12
PAD_TOP = 10
PAD_BOTTOM = 22
CHART_POINTS_PER_KIND = 300


@dataclass
class ChartDot:
    x: float
    y: float
    title: str


@dataclass
class ChartSeries:
    name: str
    css: str
    points: str
    dots: list[ChartDot] = field(default_factory=list)


@dataclass
class ChartPanel:
    kind: str
    label: str
    unit: str
    series: list[ChartSeries]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    plot_left: int = PAD_LEFT
    plot_right: int = CHART_WIDTH - PAD_RIGHT
    plot_top: int = PAD_TOP
    plot_bottom: int = CHART_HEIGHT - PAD_BOTTOM


def measurement_chart(*, patient: Patient) -> list[ChartPanel]:
    """Chart panels for the patient's valid measurements, oldest to newest, one per kind (a
    blood pressure panel has two lines). Empty when nothing is measured."""
    by_kind = _chart_rows(patient)
    if not by_kind:
        return []
    times = [m.measured_at for rows in by_kind.values() for m in rows]
    start, end = min(times), max(times)
    span = (end - start).total_seconds()
    plot_w = CHART_WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = CHART_HEIGHT - PAD_TOP - PAD_BOTTOM

    def x_of(when: datetime) -> float:
        if span <= 0:
            return round(PAD_LEFT + plot_w / 2, 1)
        return round(PAD_LEFT + plot_w * (when - start).total_seconds() / span, 1)

    x_ticks = [(x_of(start), _day(start))]
    if span > 0:
        x_ticks.append((x_of(end), _day(end)))
        if span > 86400 * 2:
            middle = start + (end - start) / 2
            x_ticks.insert(1, (x_of(middle), _day(middle)))

    panels = []
    for kind, rows in by_kind.items():
        values = [m.value for m in rows] + [m.value2 for m in rows if m.value2 is not None]
        low, high = min(values), max(values)
        pad = max((high - low) * Decimal("0.1"), Decimal(1))
        low, high = low - pad, high + pad

        def y_of(value: Decimal, low: Decimal = low, high: Decimal = high) -> float:
            return round(float(PAD_TOP + plot_h * (high - value) / (high - low)), 1)

        unit = UNITS[kind]
        label = str(MeasurementKind(kind).label)
        series = [_series(label, "line-1", rows, lambda m: m.value, x_of, y_of, unit)]
        if kind == MeasurementKind.BLOOD_PRESSURE:
            series[0].name = str(SYSTOLIC_LABEL)
            series.append(
                _series(str(DIASTOLIC_LABEL), "line-2", rows, lambda m: m.value2, x_of, y_of, unit)
            )
        middle_value = (low + high) / 2
        y_ticks = [
            (y_of(v), decimal_text(v.quantize(Decimal(1))))
            for v in (high - pad, middle_value, low + pad)
        ]
        panels.append(
            ChartPanel(
                kind=kind, label=label, unit=unit, series=series, y_ticks=y_ticks, x_ticks=x_ticks
            )
        )
    return panels


def _chart_rows(patient: Patient) -> dict[str, list[Measurement]]:
    """The newest valid measurements of each kind measured (at most CHART_POINTS_PER_KIND),
    oldest first."""
    by_kind: dict[str, list[Measurement]] = {}
    for kind in MeasurementKind.values:
        rows = list(
            Measurement.objects.filter(
                organisation_id=patient.organisation_id,
                patient=patient,
                kind=kind,
                error_at__isnull=True,
            ).order_by("-measured_at", "-pk")[:CHART_POINTS_PER_KIND]
        )
        if rows:
            by_kind[kind] = rows[::-1]
    return by_kind


def _day(when: datetime) -> str:
    return timezone.localtime(when).strftime("%d.%m.%Y")


def _series(
    name: str,
    css: str,
    rows: list[Measurement],
    value_of: Any,
    x_of: Any,
    y_of: Any,
    unit: str,
) -> ChartSeries:
    dots = []
    for m in rows:
        value = value_of(m)
        local = timezone.localtime(m.measured_at).strftime("%d.%m.%Y %H:%M")
        dots.append(
            ChartDot(
                x=x_of(m.measured_at), y=y_of(value), title=f"{local}: {decimal_text(value)} {unit}"
            )
        )
    return ChartSeries(name=name, css=css, points=" ".join(f"{d.x},{d.y}" for d in dots), dots=dots)
