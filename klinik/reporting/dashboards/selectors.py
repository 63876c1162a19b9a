"""A unit's quality dashboard for a period: each panel's figures, read through the other
apps' selectors (a handful of grouped queries in all), as bars and as a table. The table is
what the Excel sheet and the screen reader get; the bars are drawn from it (charts.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.pathways.selectors import deadline_compliance
from klinik.records.dictation.selectors import dictation_turnaround_by_month
from klinik.records.journal.selectors import UNSIGNED_AGE_BANDS, journal_unsigned_ages
from klinik.reporting.dashboards.periods import Period
from klinik.reporting.drg.selectors import drg_production_by_month
from klinik.reporting.lpr3_report.selectors import findings_by_rule
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.selectors import appointment_outcomes_by_month, unit_capacity_by_month

Cell = str | int | float | Decimal | None
# Bar fills: a solid and a hatched pattern, so two series differ without colour.
SOLID, HATCHED = "solid", "hatched"
DASH = "\u2013"  # an en dash: no figure


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # what the bar's length shows
    text: str  # the number written beside the bar
    fill: str = SOLID
    series: str = ""  # the series' name, written in the bar's label when there are two


@dataclass
class Panel:
    key: str
    title: str
    description: str  # the chart's desc: what the bars show
    headers: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    scale_max: float | None = None  # 100 for shares; None: the largest bar
    note: str = ""
    legend: list[tuple[str, str]] = field(default_factory=list)  # (fill, series name)


@dataclass
class Dashboard:
    unit: Unit
    period: Period
    panels: list[Panel]


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _number(value: float | Decimal | int, decimals: int = 0) -> str:
    return str(number_format(value, decimals, force_grouping=True))


def _month_label(month: date) -> str:
    return str(date_format(month, "b Y"))


def compliance_panel(unit: Unit, period: Period) -> Panel:
    panel = Panel(
        "compliance",
        _("Waiting-time compliance per patient right"),
        _("Share of the deadlines that fell due in the period and were met in time."),
        [_("Patient right"), _("Met in time"), _("Fell due"), _("Share (%)")],
        scale_max=100,
    )
    for right in deadline_compliance(unit=unit, first=period.first, last=period.last):
        panel.rows.append([right.title, right.kept, right.total, right.percent])
        panel.bars.append(
            Bar(
                right.title,
                right.percent or 0,
                f"{right.percent} % ({right.kept}/{right.total})",
            )
        )
    if not panel.rows:
        panel.note = _("No deadline fell due in the period.")
    return panel


_ATTENDED = (AppointmentStatus.ARRIVED, AppointmentStatus.IN_PROGRESS, AppointmentStatus.FINISHED)


def no_show_panel(unit: Unit, period: Period) -> Panel:
    panel = Panel(
        "no_show",
        _("No-show rate"),
        _("Share of the appointments the patient neither came to nor cancelled, per month."),
        [_("Month"), _("No-shows"), _("Attended"), _("Share (%)")],
        scale_max=100,
    )
    outcomes = appointment_outcomes_by_month(unit=unit, first=period.first, last=period.last)
    month = period.first
    while month <= period.last:
        counts = outcomes.get(month, {})
        missed = counts.get(AppointmentStatus.NO_SHOW, 0)
        came = sum(counts.get(s, 0) for s in _ATTENDED)
        share = _percent(missed, missed + came)
        panel.rows.append([_month_label(month), missed, came, share])
        text = f"{share} % ({missed}/{missed + came})" if share is not None else DASH
        panel.bars.append(Bar(_month_label(month), share or 0, text))
        month = (month + timedelta(days=32)).replace(day=1)
    return panel


def dictation_panel(unit: Unit, period: Period) -> Panel:
    panel = Panel(
        "dictation",
        _("Dictation turnaround"),
        _("Average hours from dictation to transcript, per month, and the share by the deadline."),
        [_("Month"), _("Transcribed"), _("By the deadline"), _("Average hours")],
    )
    for month in dictation_turnaround_by_month(unit=unit, first=period.first, last=period.last):
        panel.rows.append(
            [_month_label(month.month), month.completed, month.in_time, month.average_hours]
        )
        text = (
            _("%(hours)s h (%(done)d, %(share)d %% in time)")
            % {
                "hours": _number(month.average_hours, 1),
                "done": month.completed,
                "share": _percent(month.in_time, month.completed) or 0,
            }
            if month.average_hours is not None
            else DASH
        )
        panel.bars.append(Bar(_month_label(month.month), month.average_hours or 0, text))
    return panel


def unsigned_panel(unit: Unit, period: Period) -> Panel:
    local = ZoneInfo(settings.TIME_ZONE)
    at = min(
        timezone.now(),
        datetime.combine(period.last + timedelta(days=1), time.min, tzinfo=local),
    )
    panel = Panel(
        "unsigned",
        _("Age of unsigned notes"),
        _("Journal entries waiting for approval at the end of the period, by age in days."),
        [_("Age (days)"), _("Entries")],
        note=_("Counted on %(day)s.") % {"day": date_format(timezone.localtime(at), "j. F Y")},
    )
    for (low, high), count in zip(
        UNSIGNED_AGE_BANDS, journal_unsigned_ages(unit=unit, at=at), strict=True
    ):
        label = f"{low}{DASH}{high}" if high is not None else _("over %(days)d") % {"days": low - 1}
        panel.rows.append([label, count])
        panel.bars.append(Bar(label, count, str(count)))
    return panel


def capacity_panel(unit: Unit, period: Period) -> Panel:
    booked_name, free_name = _("Booked"), _("Free")
    panel = Panel(
        "capacity",
        _("Capacity used and free"),
        _("The practitioners' opening hours per month: hours booked and hours free."),
        [_("Month"), _("Open (hours)"), _("Booked (hours)"), _("Free (hours)"), _("Used (%)")],
        legend=[(SOLID, booked_name), (HATCHED, free_name)],
    )
    for month in unit_capacity_by_month(unit=unit, first=period.first, last=period.last):
        opened = round(month.open_minutes / 60, 1)
        booked = round(month.booked_minutes / 60, 1)
        free = round(opened - booked, 1)
        used = _percent(month.booked_minutes, month.open_minutes)
        label = _month_label(month.month)
        panel.rows.append([label, opened, booked, free, used])
        panel.bars.append(
            Bar(label, booked, f"{_number(booked, 1)} t ({used or 0} %)", SOLID, booked_name)
        )
        panel.bars.append(Bar(label, free, f"{_number(free, 1)} t", HATCHED, free_name))
    return panel


def reporting_errors_panel(unit: Unit, period: Period) -> Panel:
    local = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(period.first, time.min, tzinfo=local)
    end = min(
        timezone.now(), datetime.combine(period.last + timedelta(days=1), time.min, tzinfo=local)
    )
    open_name, fixed_name = _("Open at the end"), _("Fixed in the period")
    panel = Panel(
        "reporting_errors",
        _("Reporting errors open and fixed"),
        _("LPR3 reporting errors of the unit: open at the end of the period and fixed in it."),
        [_("Rule"), open_name, fixed_name],
        legend=[(SOLID, open_name), (HATCHED, fixed_name)],
    )
    for rule, still_open, fixed in findings_by_rule(
        organisation_id=unit.organisation_id, unit_id=unit.pk, start=start, end=end
    ):
        panel.rows.append([rule, still_open, fixed])
        panel.bars.append(Bar(rule, still_open, str(still_open), SOLID, open_name))
        panel.bars.append(Bar(rule, fixed, str(fixed), HATCHED, fixed_name))
    return panel


def drg_panel(unit: Unit, period: Period) -> Panel:
    panel = Panel(
        "drg",
        _("DRG production"),
        _("The DRG and DAGS tariffs imported for the unit's contacts and pathways, per month."),
        [_("Month"), _("Grouped contacts and pathways"), _("Value (DKK)")],
    )
    for month in drg_production_by_month(unit=unit, first=period.first, last=period.last):
        panel.rows.append([_month_label(month.month), month.count, month.total])
        panel.bars.append(
            Bar(
                _month_label(month.month),
                float(month.total),
                f"{_number(month.total, 0)} kr. ({month.count})",
            )
        )
    return panel


PANELS: tuple[Callable[[Unit, Period], Panel], ...] = (
    compliance_panel,
    no_show_panel,
    dictation_panel,
    unsigned_panel,
    capacity_panel,
    reporting_errors_panel,
    drg_panel,
)


def dashboard_build(*, actor: Actor, unit: Unit, period: Period) -> Dashboard:
    """Every panel of the unit's dashboard for the period. Figures only: no patient is named,
    so there is nothing for the access log."""
    require(actor, Perm.REPORT_DASHBOARD)
    if unit.organisation_id not in actor.organisation_ids:
        raise Http404
    return Dashboard(unit, period, [make(unit, period) for make in PANELS])
