"""Writes of the schedule's setup: resources, working hours, absences and closing days.

Each service checks CLINIC_SETUP, runs in one durable transaction and logs the change (old →
new) with setup_change_record in it. Replacing a resource's hours locks the resource first,
so two managers saving at once cannot leave overlapping rows.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import transaction

from klinik.audit.choices import Channel
from klinik.core.models import Unit, User
from klinik.core.policy import Actor, Perm, require
from klinik.core.setup_log import setup_change_record, setup_snapshot
from klinik.scheduling.choices import AbsenceKind, AppointmentStatus, ResourceKind, WeekParity
from klinik.scheduling.models import Absence, Appointment, Resource, UnitSchedule, WorkingHours
from klinik.scheduling.setup.errors import SetupCode, SetupError
from klinik.scheduling.setup.selectors import (
    absence_bookings,
    appointments_inside,
    optional_day_names,
    unit_staff_users,
)
from klinik.scheduling.transitions import appointment_set_status_within

RESOURCE_FIELDS = ("kind", "name", "user", "colour", "is_active")
ABSENCE_FIELDS = ("resource", "kind", "start", "end", "note")
# What a resource's absence may be for; CLOSED is the whole unit's, BREAK lives in the hours.
ABSENCE_REASONS = (AbsenceKind.VACATION, AbsenceKind.SICK, AbsenceKind.COURSE, AbsenceKind.OTHER)
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
WEEKDAY_NAMES = ("man", "tir", "ons", "tor", "fre", "lør", "søn")


def _check_resource(
    *, unit: Unit, kind: str, name: str, user: User | None, colour: str
) -> tuple[str, str]:
    name = name.strip()
    if not name:
        raise SetupError(SetupCode.NAME_REQUIRED, SetupError.NAME_REQUIRED, "name")
    if not COLOUR.match(colour):
        raise SetupError(SetupCode.COLOUR, SetupError.COLOUR, "colour")
    if user is not None:
        if kind != ResourceKind.PRACTITIONER:
            raise SetupError(
                SetupCode.USER_ONLY_PRACTITIONER, SetupError.USER_ONLY_PRACTITIONER, "user"
            )
        if user.pk not in {u.pk for u in unit_staff_users(unit=unit)}:
            raise SetupError(SetupCode.USER_NOT_STAFF, SetupError.USER_NOT_STAFF, "user")
    return name, colour.lower()


def resource_create(
    *,
    actor: Actor,
    unit: Unit,
    kind: ResourceKind,
    name: str,
    user: User | None = None,
    colour: str = "#0b5394",
    channel: Channel = Channel.UI,
) -> Resource:
    """A new practitioner, room or piece of equipment of the unit (active, without hours)."""
    require(actor, Perm.CLINIC_SETUP)
    kind = ResourceKind(kind)
    name, colour = _check_resource(unit=unit, kind=kind, name=name, user=user, colour=colour)
    with transaction.atomic(durable=True):
        resource = Resource.objects.create(
            organisation_id=unit.organisation_id,
            unit=unit,
            kind=kind,
            name=name,
            user=user,
            colour=colour,
            sort_order=Resource.objects.filter(unit=unit, kind=kind).count(),
        )
        setup_change_record(
            actor=actor,
            object_type="resource",
            object_id=resource.public_id,
            before=None,
            after=setup_snapshot(resource, RESOURCE_FIELDS),
            channel=channel,
        )
    return resource


def resource_update(
    *,
    actor: Actor,
    resource: Resource,
    name: str,
    user: User | None,
    colour: str,
    is_active: bool,
    channel: Channel = Channel.UI,
) -> Resource:
    """Rename, relink, recolour, deactivate or reactivate a resource. A deactivated one is
    offered to no new booking; its booked appointments stay (the screen lists them first)."""
    require(actor, Perm.CLINIC_SETUP)
    name, colour = _check_resource(
        unit=resource.unit, kind=resource.kind, name=name, user=user, colour=colour
    )
    with transaction.atomic(durable=True):
        locked = (
            Resource.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=resource.pk)
        )
        before = setup_snapshot(locked, RESOURCE_FIELDS)
        locked.name, locked.user, locked.colour, locked.is_active = name, user, colour, is_active
        locked.save(update_fields=["name", "user", "colour", "is_active"])
        setup_change_record(
            actor=actor,
            object_type="resource",
            object_id=locked.public_id,
            before=before,
            after=setup_snapshot(locked, RESOURCE_FIELDS),
            channel=channel,
        )
    return locked


@dataclass(frozen=True)
class HoursInput:
    """One row of working hours as given (the screen's formset row or the API's item)."""

    weekday: int
    start: time
    end: time
    valid_from: date | None = None
    valid_to: date | None = None
    weeks: str = WeekParity.EVERY


def _hours_text(row: HoursInput | WorkingHours) -> str:
    text = f"{WEEKDAY_NAMES[row.weekday]} {row.start:%H:%M}-{row.end:%H:%M}"
    if row.weeks != WeekParity.EVERY:
        text += f" ({WeekParity(row.weeks).label})"
    if row.valid_from or row.valid_to:
        first = f"{row.valid_from:%d.%m.%Y}" if row.valid_from else ""
        last = f"{row.valid_to:%d.%m.%Y}" if row.valid_to else ""
        text += f" [{first} - {last}]"
    return text


def _periods_meet(a: HoursInput, b: HoursInput) -> bool:
    if a.weeks != WeekParity.EVERY and b.weeks != WeekParity.EVERY and a.weeks != b.weeks:
        return False  # even and odd weeks never meet
    starts_after_b = (
        b.valid_to is not None and a.valid_from is not None and a.valid_from > b.valid_to
    )
    ends_before_b = (
        a.valid_to is not None and b.valid_from is not None and a.valid_to < b.valid_from
    )
    return not (starts_after_b or ends_before_b)


def hours_check(rows: Sequence[HoursInput]) -> None:
    """Refuse a set of hours that cannot hold: a weekday out of range, an end before its
    start, a validity period backwards, or two rows of a weekday that overlap in time on a
    day both hold (same period, same or every week). The field names the row: hours.N.end."""
    for index, row in enumerate(rows):
        where = f"hours.{index}"
        if not 0 <= row.weekday <= 6:
            raise SetupError(SetupCode.HOURS_WEEKDAY, SetupError.HOURS_WEEKDAY, f"{where}.weekday")
        if row.weeks not in WeekParity.values:
            raise SetupError(SetupCode.HOURS_WEEKDAY, SetupError.HOURS_WEEKDAY, f"{where}.weeks")
        if row.end <= row.start:
            raise SetupError(SetupCode.HOURS_ORDER, SetupError.HOURS_ORDER, f"{where}.end")
        if row.valid_from and row.valid_to and row.valid_to < row.valid_from:
            raise SetupError(
                SetupCode.VALIDITY_ORDER, SetupError.VALIDITY_ORDER, f"{where}.valid_to"
            )
        for other in rows[:index]:
            if (
                other.weekday == row.weekday
                and other.start < row.end
                and row.start < other.end
                and _periods_meet(row, other)
            ):
                raise SetupError(
                    SetupCode.HOURS_OVERLAP,
                    SetupError.HOURS_OVERLAP % {"other": _hours_text(other)},
                    f"{where}.start",
                )


def hours_replace(
    *,
    actor: Actor,
    resource: Resource,
    rows: Sequence[HoursInput],
    channel: Channel = Channel.UI,
) -> list[WorkingHours]:
    """Replace the resource's whole set of working hours; a refused set writes nothing."""
    require(actor, Perm.CLINIC_SETUP)
    hours_check(rows)
    ordered = sorted(rows, key=lambda r: (r.weekday, r.start, r.valid_from or date.min))
    with transaction.atomic(durable=True):
        Resource.objects.select_for_update().filter(pk=resource.pk).first()  # one at a time
        existing = WorkingHours.objects.filter(
            organisation_id=resource.organisation_id, resource=resource
        )
        before = "; ".join(_hours_text(row) for row in existing.order_by("weekday", "start"))
        existing.delete()
        made = WorkingHours.objects.bulk_create(
            WorkingHours(
                organisation_id=resource.organisation_id,
                resource=resource,
                weekday=row.weekday,
                start=row.start,
                end=row.end,
                valid_from=row.valid_from,
                valid_to=row.valid_to,
                weeks=row.weeks,
            )
            for row in ordered
        )
        setup_change_record(
            actor=actor,
            object_type="working_hours",
            object_id=resource.public_id,
            before={"hours": before},
            after={"hours": "; ".join(_hours_text(row) for row in ordered)},
            channel=channel,
        )
    return made


def absence_rights_check(actor: Actor, resource: Resource | None) -> None:
    """A resource's absences are the manager's (setup) and the desk's (who books, and must
    cancel what a sudden absence falls on); closing the whole unit is the manager's alone."""
    if resource is None or not actor.can(Perm.SCHEDULE_BOOK):
        require(actor, Perm.CLINIC_SETUP)


@dataclass
class AbsenceAdded:
    absence: Absence
    conflicts: list[Appointment]  # active appointments inside it, not cancelled here
    cancelled: list[Appointment] = field(default_factory=list)


def absence_add(
    *,
    actor: Actor,
    unit: Unit,
    resource: Resource | None,
    kind: AbsenceKind,
    start: datetime,
    end: datetime,
    note: str = "",
    cancel: Collection[uuid.UUID] = (),
    cancel_reason: str = "",
    channel: Channel = Channel.UI,
) -> AbsenceAdded:
    """A resource's absence, or (without a resource) a closing of the whole unit.

    Appointments inside it are listed as conflicts; those named in `cancel` are cancelled in
    the same transaction (each patient is told through the outbox, as on every cancellation),
    which needs SCHEDULE_BOOK. The absence and the cancellations are written together or not
    at all."""
    absence_rights_check(actor, resource)
    if cancel:
        require(actor, Perm.SCHEDULE_BOOK)
    if resource is not None and kind not in ABSENCE_REASONS:
        raise SetupError(SetupCode.ABSENCE_KIND, SetupError.ABSENCE_KIND, "kind")
    if end <= start:
        raise SetupError(SetupCode.ABSENCE_ORDER, SetupError.ABSENCE_ORDER, "end")
    with transaction.atomic(durable=True):
        absence = Absence.objects.create(
            organisation_id=unit.organisation_id,
            unit=unit,
            resource=resource,
            kind=kind,
            start=start,
            end=end,
            note=note.strip()[:200],
        )
        setup_change_record(
            actor=actor,
            object_type="absence" if resource is not None else "closing_day",
            object_id=absence.public_id,
            before=None,
            after=setup_snapshot(absence, ABSENCE_FIELDS),
            channel=channel,
        )
        found = appointments_inside(
            actor=actor, unit=unit, resource=resource, start=start, end=end, channel=channel
        )
        wanted = set(cancel)
        result = AbsenceAdded(absence, [])
        for appointment in found:
            if appointment.public_id in wanted:
                result.cancelled.append(
                    appointment_set_status_within(
                        actor=actor,
                        appointment=appointment,
                        status=AppointmentStatus.CANCELLED,
                        reason=cancel_reason or str(absence.get_kind_display()),
                        channel=channel,
                    )
                )
            else:
                result.conflicts.append(appointment)
    return result


def absence_delete(*, actor: Actor, absence: Absence, channel: Channel = Channel.UI) -> None:
    """Remove an absence or a closing day; the time is bookable again."""
    absence_rights_check(actor, absence.resource)
    with transaction.atomic(durable=True):
        before = setup_snapshot(absence, ABSENCE_FIELDS)
        object_type = "absence" if absence.resource_id is not None else "closing_day"
        Absence.objects.filter(pk=absence.pk, organisation_id=absence.organisation_id).delete()
        setup_change_record(
            actor=actor,
            object_type=object_type,
            object_id=absence.public_id,
            before=before,
            after=None,
            channel=channel,
        )


def unit_closing_days_update(
    *,
    actor: Actor,
    unit: Unit,
    closed_on_public_holidays: bool,
    closed_optional_days: Sequence[str],
    channel: Channel = Channel.UI,
) -> UnitSchedule:
    """Whether the unit closes on public holidays, and which optional days off it closes on
    (names as the holidays package gives them in Danish)."""
    require(actor, Perm.CLINIC_SETUP)
    known = optional_day_names()
    for name in closed_optional_days:
        if name not in known:
            raise SetupError(
                SetupCode.UNKNOWN_DAY,
                SetupError.UNKNOWN_DAY % {"day": name},
                "closed_optional_days",
            )
    chosen = [name for name in known if name in set(closed_optional_days)]
    fields = ("closed_on_public_holidays", "closed_optional_days")
    with transaction.atomic(durable=True):
        schedule, _created = UnitSchedule.objects.select_for_update().get_or_create(
            unit=unit, defaults={"organisation_id": unit.organisation_id}
        )
        before = setup_snapshot(schedule, fields)
        before["closed_optional_days"] = ", ".join(schedule.closed_optional_days)
        schedule.closed_on_public_holidays = closed_on_public_holidays
        schedule.closed_optional_days = chosen
        schedule.save(update_fields=list(fields))
        after = setup_snapshot(schedule, fields)
        after["closed_optional_days"] = ", ".join(chosen)
        setup_change_record(
            actor=actor,
            object_type="unit_schedule",
            object_id=unit.public_id,
            before=before,
            after=after,
            channel=channel,
        )
    return schedule


def unit_booking_settings_update(
    *, actor: Actor, unit: Unit, books_on_enter: bool, channel: Channel = Channel.UI
) -> UnitSchedule:
    """How the calendar books at the unit: directly on Enter (with an undo) or after a
    confirm step."""
    require(actor, Perm.CLINIC_SETUP)
    fields = ("books_on_enter",)
    with transaction.atomic(durable=True):
        schedule, _created = UnitSchedule.objects.select_for_update().get_or_create(
            unit=unit, defaults={"organisation_id": unit.organisation_id}
        )
        before = setup_snapshot(schedule, fields)
        schedule.books_on_enter = books_on_enter
        schedule.save(update_fields=list(fields))
        setup_change_record(
            actor=actor,
            object_type="unit_schedule",
            object_id=unit.public_id,
            before=before,
            after=setup_snapshot(schedule, fields),
            channel=channel,
        )
    return schedule


def absence_bookings_cancel(
    *,
    actor: Actor,
    absence: Absence,
    cancel: Collection[uuid.UUID],
    reason: str,
    channel: Channel = Channel.UI,
) -> list[Appointment]:
    """Cancel the named appointments still to come inside an absence or closing (each patient
    is told through the outbox, as on every cancellation), in one transaction; those not
    named, or no longer inside, are left."""
    require(actor, Perm.SCHEDULE_BOOK)
    wanted = set(cancel)
    with transaction.atomic(durable=True):
        return [
            appointment_set_status_within(
                actor=actor,
                appointment=appointment,
                status=AppointmentStatus.CANCELLED,
                reason=reason,
                channel=channel,
            )
            for appointment in absence_bookings(actor=actor, absence=absence, channel=channel)
            if appointment.public_id in wanted
        ]
