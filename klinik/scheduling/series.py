"""Series: a repeat rule (every N weeks, optionally on chosen weekdays, until a date or for a
count) planned and checked before anything is booked, then booked all or none; and cancelling
or moving one occurrence, it and the following ones, or all that are still to come.

The plan lists every occurrence that cannot be booked with why and the nearest free
alternative; the secretary (or the API client) chooses the alternative or skips it. Booking
writes the whole series in one transaction: if any occurrence has been taken meanwhile,
nothing is booked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from klinik.audit.choices import Channel
from klinik.core.policy import Actor, Perm, require
from klinik.patients.models import Patient
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.booking import BookingRequest, appointment_move_within, booking_write
from klinik.scheduling.booking_rules import appointment_type_check, resources_choose
from klinik.scheduling.choices import AppointmentStatus, BookedVia, ResourceKind
from klinik.scheduling.errors import BookingCode, BookingError, SeriesCode, SeriesError
from klinik.scheduling.models import (
    Appointment,
    AppointmentResource,
    AppointmentSeries,
    AppointmentType,
    Resource,
)
from klinik.scheduling.slots import Slot, find_slots
from klinik.scheduling.transitions import appointment_set_status_within

# At most two years of weekly sessions (the longest courses clinics book, e.g. a
# psychologist's or a physiotherapist's): further ahead the hours and absences are not
# planned yet, and every occurrence is checked one by one before booking.
MAX_OCCURRENCES = 104
MAX_EVERY_WEEKS = 52
# A working day's free times on the slot grid (five-minute steps from 07:00 to 19:00 at most).
SAME_DAY_SLOTS = 150


class SeriesScope(StrEnum):
    """Which occurrences a cancel or move of one of them concerns."""

    ONE = "one"
    FOLLOWING = "following"  # this one and the later ones
    ALL = "all"  # every one still to come


@dataclass(frozen=True)
class SeriesRule:
    """When a series repeats: from `first_start`, every `every_weeks` weeks on `weekdays`
    (0 = Monday; none: the first start's weekday), `count` times or until `until` (one of
    the two)."""

    first_start: datetime
    every_weeks: int = 1
    weekdays: frozenset[int] = field(default_factory=frozenset)
    count: int | None = None
    until: date | None = None

    @property
    def interval_days(self) -> int:
        return self.every_weeks * 7


@dataclass(frozen=True)
class PlannedOccurrence:
    index: int
    start: datetime
    problem: str  # empty when the time is free
    alternative: Slot | None
    code: str = ""  # the BookingCode of the problem


def series_starts(rule: SeriesRule) -> list[datetime]:
    """The occurrences' starts, at the first start's wall-clock time (10:00 stays 10:00
    across daylight saving), or SeriesError for settings out of bounds."""
    if not 1 <= rule.every_weeks <= MAX_EVERY_WEEKS:
        raise SeriesError(
            SeriesCode.INTERVAL,
            SeriesError.INTERVAL % {"max": MAX_EVERY_WEEKS},
            field="every_weeks",
        )
    if any(not 0 <= day <= 6 for day in rule.weekdays):
        raise SeriesError(SeriesCode.WEEKDAYS, SeriesError.WEEKDAYS, field="weekdays")
    if rule.count is None and rule.until is None:
        raise SeriesError(SeriesCode.END, SeriesError.END_MISSING, field="count")
    if rule.count is not None and rule.until is not None:
        raise SeriesError(SeriesCode.END, SeriesError.END_BOTH, field="until")
    if rule.count is not None and not 1 <= rule.count <= MAX_OCCURRENCES:
        raise _count_error("count")
    local = timezone.localtime(rule.first_start, LOCAL)
    first_day, clock = local.date(), local.time().replace(tzinfo=None)
    if rule.until is not None and rule.until < first_day:
        raise SeriesError(SeriesCode.END, SeriesError.END_BEFORE, field="until")
    weekdays = sorted(rule.weekdays or {first_day.weekday()})
    monday = first_day - timedelta(days=first_day.weekday())
    wanted = rule.count if rule.count is not None else MAX_OCCURRENCES + 1
    starts: list[datetime] = []
    week = 0
    while len(starts) < wanted:
        for weekday in weekdays:
            day = monday + timedelta(days=week * 7 + weekday)
            if day < first_day:
                continue
            if rule.until is not None and day > rule.until:
                return _checked(starts, "until")
            starts.append(_at(day, clock))
            if len(starts) == wanted:
                break
        week += rule.every_weeks
    return _checked(starts, "until")


def _checked(starts: list[datetime], field_name: str) -> list[datetime]:
    if not 1 <= len(starts) <= MAX_OCCURRENCES:
        raise _count_error(field_name)
    return starts


def _count_error(field_name: str) -> SeriesError:
    return SeriesError(
        SeriesCode.COUNT,
        SeriesError.COUNT % {"min": 1, "max": MAX_OCCURRENCES},
        field=field_name,
    )


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=LOCAL)


def _problem(
    appointment_type: AppointmentType,
    start: datetime,
    practitioner: Resource | None,
    *,
    ignore_appointment_id: int | None = None,
) -> BookingError | None:
    """Why the time cannot be booked, or None when it can."""
    hold_start, hold_end = appointment_type.hold_span(start)
    try:
        if start < timezone.now():
            raise BookingError(BookingError.PAST, code=BookingCode.PAST)
        resources_choose(
            appointment_type,
            hold_start,
            hold_end,
            practitioner,
            overbook=False,
            ignore_appointment_id=ignore_appointment_id,
        )
    except BookingError as exc:
        return exc
    return None


def _alternative(
    appointment_type: AppointmentType,
    start: datetime,
    before: datetime,
    practitioner: Resource | None,
) -> Slot | None:
    """The free time nearest the occurrence's on its day, else the first one later, before
    the next occurrence."""
    day = timezone.localtime(start, LOCAL).date()
    next_day = _at(day + timedelta(days=1), time.min)
    same_day = find_slots(
        appointment_type=appointment_type,
        start=_at(day, time.min),
        end=min(next_day, before),
        practitioner=practitioner,
        limit=SAME_DAY_SLOTS,
    )
    if same_day:
        return min(same_day, key=lambda slot: abs(slot.start - start))
    later = find_slots(
        appointment_type=appointment_type,
        start=next_day,
        end=before,
        practitioner=practitioner,
        limit=1,
    )
    return later[0] if later else None


def _planned(
    appointment_type: AppointmentType, starts: list[datetime], practitioner: Resource | None
) -> list[PlannedOccurrence]:
    plan = []
    for index, start in enumerate(starts):
        problem = _problem(appointment_type, start, practitioner)
        alternative = None
        if problem is not None:
            following = starts[index + 1] if index + 1 < len(starts) else None
            before = following or start + timedelta(days=7)
            alternative = _alternative(appointment_type, start, before, practitioner)
        plan.append(
            PlannedOccurrence(
                index,
                start,
                problem.message if problem else "",
                alternative,
                problem.code if problem else "",
            )
        )
    return plan


def series_plan(
    *,
    actor: Actor,
    patient: Patient,
    appointment_type: AppointmentType,
    rule: SeriesRule,
    practitioner: Resource | None = None,
) -> list[PlannedOccurrence]:
    """Check every occurrence before anything is booked: conflicts are listed with the
    nearest free alternative on the same day or later (before the next occurrence)."""
    require(actor, Perm.SCHEDULE_BOOK)
    appointment_type_check(actor, appointment_type, patient, BookedVia.STAFF)
    return _planned(appointment_type, series_starts(rule), practitioner)


def series_book(
    *,
    actor: Actor,
    patient: Patient,
    appointment_type: AppointmentType,
    starts: list[datetime],
    practitioner: Resource | None = None,
    interval_days: int = 7,
    channel: Channel = Channel.UI,
) -> AppointmentSeries:
    """Book all occurrences (as confirmed from the plan) or none."""
    require(actor, Perm.SCHEDULE_BOOK)
    appointment_type_check(actor, appointment_type, patient, BookedVia.STAFF)
    if not 1 <= len(starts) <= MAX_OCCURRENCES:
        raise _count_error("count")
    try:
        with transaction.atomic(durable=True):
            series = AppointmentSeries.objects.create(
                organisation_id=appointment_type.organisation_id,
                unit_id=appointment_type.unit_id,
                appointment_type=appointment_type,
                patient=patient,
                interval_days=interval_days,
                count=len(starts),
                created_by=actor.user,
            )
            for index, start in enumerate(sorted(starts)):
                if start < timezone.now():
                    raise BookingError(BookingError.PAST, code=BookingCode.PAST)
                booking_write(
                    actor,
                    BookingRequest(patient, appointment_type, start, practitioner),
                    via=BookedVia.STAFF,
                    channel=channel,
                    booked_by_actor=actor,
                    series=series,
                    series_index=index,
                )
    except IntegrityError as exc:
        raise BookingError(BookingError.TAKEN, code=BookingCode.TAKEN) from exc
    return series


@dataclass(frozen=True)
class SeriesBooked:
    series: AppointmentSeries
    conflicts: list[PlannedOccurrence]  # skipped: not booked


def series_create(
    *,
    actor: Actor,
    patient: Patient,
    appointment_type: AppointmentType,
    rule: SeriesRule,
    practitioner: Resource | None = None,
    skip_conflicts: bool = False,
    channel: Channel = Channel.UI,
) -> SeriesBooked:
    """Plan and book in one call (the API): with conflicts, SeriesError listing them and
    nothing booked, unless `skip_conflicts`, when the free occurrences are booked and the
    others reported."""
    plan = series_plan(
        actor=actor,
        patient=patient,
        appointment_type=appointment_type,
        rule=rule,
        practitioner=practitioner,
    )
    conflicts = [p for p in plan if p.problem]
    free = [p.start for p in plan if not p.problem]
    if conflicts and (not skip_conflicts or not free):
        raise SeriesError(
            SeriesCode.CONFLICTS,
            SeriesError.CONFLICTS % {"count": len(conflicts)},
            conflicts=conflicts,
        )
    series = series_book(
        actor=actor,
        patient=patient,
        appointment_type=appointment_type,
        starts=free,
        practitioner=practitioner,
        interval_days=rule.interval_days,
        channel=channel,
    )
    return SeriesBooked(series, conflicts)


# Changing a series -------------------------------------------------------------------------------


def series_occurrences(appointment: Appointment, scope: SeriesScope) -> QuerySet[Appointment]:
    """The booked occurrences a change of `appointment` concerns: itself, it and the later
    ones, or all still to come (those in the past have taken place or are kept as they
    were). Outside a series, always the appointment alone."""
    own = Q(pk=appointment.pk)
    if appointment.series_id is None or scope == SeriesScope.ONE:
        return Appointment.objects.filter(own)
    rest = Q(
        series_id=appointment.series_id,
        status=AppointmentStatus.BOOKED,
        start__gte=timezone.now(),
    )
    if scope == SeriesScope.FOLLOWING:
        rest &= Q(series_index__gte=appointment.series_index or 0)
    return Appointment.objects.filter(
        own | rest, organisation_id=appointment.organisation_id
    ).order_by("series_index", "start")


def series_cancel(
    *,
    actor: Actor,
    appointment: Appointment,
    scope: SeriesScope,
    reason: str,
    channel: Channel = Channel.UI,
    notify: bool = True,
) -> int:
    """Cancel the occurrences of the scope, all in one transaction or none; each sends the
    notices a single cancellation sends (once committed; `notify` as there). Returns how
    many."""
    require(actor, Perm.SCHEDULE_BOOK)
    try:
        with transaction.atomic(durable=True):
            chosen = list(series_occurrences(appointment, scope))
            for occurrence in chosen:
                appointment_set_status_within(
                    actor=actor,
                    appointment=occurrence,
                    status=AppointmentStatus.CANCELLED,
                    reason=reason,
                    channel=channel,
                    notify=notify,
                )
    except IntegrityError as exc:
        raise BookingError(BookingError.TAKEN, code=BookingCode.TAKEN) from exc
    return len(chosen)


def _shifted(moment: datetime, offset: timedelta) -> datetime:
    """The wall-clock time `offset` later: moving 10:00 to 11:00 moves every occurrence to
    11:00 on its day, across daylight saving too."""
    local = timezone.localtime(moment, LOCAL).replace(tzinfo=None)
    return (local + offset).replace(tzinfo=LOCAL)


class _Refused(Exception):
    """Rolls back a series move that cannot be made in full."""

    def __init__(self, problems: list[tuple[int, datetime, BookingError]]) -> None:
        super().__init__("series move refused")
        self.problems = problems


def series_move(
    *,
    actor: Actor,
    appointment: Appointment,
    scope: SeriesScope,
    start: datetime,
    practitioner: Resource | None = None,
    channel: Channel = Channel.UI,
) -> int:
    """Move `appointment` to `start` and shift the other occurrences of the scope by the
    same wall-clock offset (each keeps its practitioner unless one is given), in one
    transaction. If any cannot move, nothing moves: SeriesError lists each with why and a
    free alternative. Returns how many moved."""
    require(actor, Perm.SCHEDULE_BOOK)
    if appointment.status != AppointmentStatus.BOOKED:
        raise BookingError(
            BookingError.BAD_STATUS % {"from": appointment.get_status_display(), "to": "moved"},
            code=BookingCode.BAD_STATUS,
        )
    offset = timezone.localtime(start, LOCAL).replace(tzinfo=None) - timezone.localtime(
        appointment.start, LOCAL
    ).replace(tzinfo=None)
    try:
        with transaction.atomic(durable=True):
            chosen = list(series_occurrences(appointment, scope).select_for_update())
            # Each keeps its practitioner (read before the holds go); the series' own holds
            # are let go first, so that occurrences may move into each other's old times.
            keep = {o.pk: practitioner or _practitioner_held(o) for o in chosen}
            AppointmentResource.objects.filter(appointment__in=chosen).delete()
            problems = []
            for occurrence in chosen:
                new_start = _shifted(occurrence.start, offset)
                try:
                    if new_start < timezone.now():
                        raise BookingError(BookingError.PAST, code=BookingCode.PAST)
                    appointment_move_within(
                        actor, occurrence, new_start, practitioner=keep[occurrence.pk]
                    )
                except BookingError as exc:
                    problems.append((occurrence.series_index or 0, new_start, exc))
            if problems:
                raise _Refused(problems)
    except _Refused as refused:
        conflicts = [
            PlannedOccurrence(
                index,
                new_start,
                exc.message,
                _alternative(
                    appointment.appointment_type, new_start, new_start + timedelta(days=7), None
                ),
                exc.code,
            )
            for index, new_start, exc in refused.problems
        ]
        raise SeriesError(
            SeriesCode.CONFLICTS,
            SeriesError.MOVE_CONFLICTS % {"count": len(conflicts)},
            conflicts=conflicts,
        ) from None
    except IntegrityError as exc:
        raise BookingError(BookingError.TAKEN, code=BookingCode.TAKEN) from exc
    return len(chosen)


def _practitioner_held(appointment: Appointment) -> Resource | None:
    return Resource.objects.filter(
        pk__in=AppointmentResource.objects.filter(appointment=appointment).values("resource_id"),
        kind=ResourceKind.PRACTITIONER,
    ).first()
