"""The booking panel's "Repeat" step: a series from the chosen time, every N weeks (or on
chosen weekdays), a number of times or until a date. "Check" shows the plan: each time that
cannot be booked with why and a free alternative to take instead, or to skip. "Book" plans
again, applies those choices and books the whole series, or nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from klinik.core.errors import form_error_add
from klinik.core.policy import Actor
from klinik.scheduling.calendar.booking import (
    BookingPanel,
    SlotChoice,
    booking_practitioner,
    parse_slot,
    slot_choice,
)
from klinik.scheduling.calendar.grid import local
from klinik.scheduling.errors import BookingError, SeriesError
from klinik.scheduling.models import Appointment
from klinik.scheduling.series import (
    PlannedOccurrence,
    SeriesRule,
    series_book,
    series_plan,
)

SERIES_ACTIONS = {"series_check", "series_book"}
SKIP = "skip"


@dataclass(frozen=True)
class SeriesRow:
    """One occurrence of the checked plan."""

    index: int
    number: int  # 1-based
    label: str
    problem: str
    alternative: SlotChoice | None
    choice: str  # for a conflict: the alternative's value or "skip"

    @property
    def field(self) -> str:
        return f"occurrence_{self.index}"


def series_act(actor: Actor, panel: BookingPanel, data: Mapping[str, Any]) -> None:
    """Check the plan, or book it with the choices made for its conflicts."""
    rule = _rule(panel)
    if rule is None:
        return
    assert panel.patient is not None and panel.appointment_type is not None
    practitioner = booking_practitioner(panel)
    try:
        plan = series_plan(
            actor=actor,
            patient=panel.patient,
            appointment_type=panel.appointment_type,
            rule=rule,
            practitioner=practitioner,
        )
    except SeriesError as exc:
        form_error_add(panel.form, exc)
        panel.error = _("Check the repeat settings.")
        panel.focus = f"book-{exc.field or 'count'}"
        return
    except BookingError as exc:
        panel.error = exc.message
        return
    panel.series_rows = _rows(plan, data)
    panel.focus = "series-plan"
    if data.get("action") != "series_book":
        return
    starts = _chosen_starts(actor, plan, data)
    if starts is None:
        panel.error = _("The plan has changed since it was checked: look at the times again.")
        return
    if not starts:
        panel.error = _("Every time is skipped: nothing to book.")
        return
    try:
        series = series_book(
            actor=actor,
            patient=panel.patient,
            appointment_type=panel.appointment_type,
            starts=starts,
            practitioner=practitioner,
            interval_days=rule.interval_days,
        )
    except (BookingError, SeriesError) as exc:
        panel.error = exc.message
        return
    panel.booked = (
        Appointment.objects.filter(organisation_id=series.organisation_id, series=series)
        .order_by("series_index")
        .first()
    )
    panel.series_booked = series.count


def _rule(panel: BookingPanel) -> SeriesRule | None:
    if panel.patient is None:
        panel.error = panel.patient_error or _("Choose a patient.")
        return None
    if panel.appointment_type is None:
        panel.error = _("Choose a type of appointment.")
        return None
    if panel.start is None:
        panel.error = _("Choose a time.")
        return None
    if panel.form.errors:
        return None
    cleaned = panel.form.cleaned_data
    every = cleaned.get("every_weeks")
    return SeriesRule(
        first_start=panel.start,
        every_weeks=1 if every is None else every,
        weekdays=frozenset(cleaned.get("weekdays") or ()),
        count=cleaned.get("count"),
        until=cleaned.get("until"),
    )


def _rows(plan: list[PlannedOccurrence], data: Mapping[str, Any]) -> list[SeriesRow]:
    rows = []
    for occurrence in plan:
        alternative = slot_choice(occurrence.alternative) if occurrence.alternative else None
        default = alternative.value if alternative else SKIP
        posted = data.get(f"occurrence_{occurrence.index}", "")
        allowed = {SKIP, default}
        rows.append(
            SeriesRow(
                index=occurrence.index,
                number=occurrence.index + 1,
                label=date_format(local(occurrence.start), "D j.n.Y H:i"),
                problem=occurrence.problem,
                alternative=alternative,
                choice=posted if posted in allowed else default,
            )
        )
    return rows


def _chosen_starts(
    actor: Actor, plan: list[PlannedOccurrence], data: Mapping[str, Any]
) -> list[datetime] | None:
    """The starts to book: the free times, and for each conflict the alternative chosen
    (or none when skipped). None when a conflict has no choice: it is new since the check."""
    starts = []
    for occurrence in plan:
        if not occurrence.problem:
            starts.append(occurrence.start)
            continue
        posted = data.get(f"occurrence_{occurrence.index}", "")
        if posted == SKIP:
            continue
        alternative = slot_choice(occurrence.alternative) if occurrence.alternative else None
        if alternative is None or posted != alternative.value:
            return None
        start, _resource, _room = parse_slot(actor, posted)
        if start is None:
            return None
        starts.append(start)
    return starts
