"""Booking: book, move, cancel, change status, series, group sessions, waitlist.

No double booking: each booking checks and writes inside one durable transaction. On SQLite
that transaction is IMMEDIATE, so it holds the write lock from its first statement and the
check cannot be overtaken; on PostgreSQL the exclusion constraint on AppointmentResource
refuses an overlapping hold even if two checks ran at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.policy import Actor, Perm, require
from klinik.patients.models import Patient
from klinik.scheduling.availability import LOCAL, load_availability
from klinik.scheduling.choices import (
    AppointmentStatus,
    Attendance,
    BookedVia,
    ResourceKind,
    WaitlistStatus,
)
from klinik.scheduling.errors import BookingError
from klinik.scheduling.hooks import appointment_status_changed
from klinik.scheduling.models import (
    Appointment,
    AppointmentEvent,
    AppointmentResource,
    AppointmentSeries,
    AppointmentType,
    Resource,
    UnitSchedule,
    WaitlistEntry,
)
from klinik.scheduling.notify import appointment_changed
from klinik.scheduling.slots import Slot, find_slots, pick_resources, type_candidates

ALTERNATIVES = 5
ALTERNATIVES_DAYS = 30
# With a chosen room, free times are searched among this many times more slots, and those in
# which the room itself is free are offered first.
ROOM_ALTERNATIVES_FACTOR = 4

# Status changes a user may make (undo included: a wrong no-show can be taken back).
TRANSITIONS: dict[str, set[str]] = {
    AppointmentStatus.BOOKED: {
        AppointmentStatus.ARRIVED,
        AppointmentStatus.IN_PROGRESS,
        AppointmentStatus.NO_SHOW,
        AppointmentStatus.CANCELLED,
    },
    AppointmentStatus.ARRIVED: {
        AppointmentStatus.BOOKED,
        AppointmentStatus.IN_PROGRESS,
        AppointmentStatus.FINISHED,
        AppointmentStatus.CANCELLED,
    },
    AppointmentStatus.IN_PROGRESS: {AppointmentStatus.ARRIVED, AppointmentStatus.FINISHED},
    AppointmentStatus.FINISHED: {AppointmentStatus.IN_PROGRESS},
    AppointmentStatus.NO_SHOW: {AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED},
    AppointmentStatus.CANCELLED: {AppointmentStatus.BOOKED},
}


def appointment_transitions(appointment: Appointment) -> set[str]:
    """The statuses the appointment may change to now: TRANSITIONS, less "arrived" for a
    telephone or video consultation (nobody comes to the reception)."""
    allowed = TRANSITIONS.get(appointment.status, set())
    if appointment.appointment_type.attendance != Attendance.IN_PERSON:
        allowed = allowed - {AppointmentStatus.ARRIVED}
    return allowed


def appointment_undo_status(appointment: Appointment) -> AppointmentStatus | None:
    """Undo takes an appointment back to the status its last status change came from, when
    TRANSITIONS allows that way back: never to a status it has not had (one booked and then
    started without arriving goes back to booked, not to arrived)."""
    previous = appointment.previous_status
    if previous and previous in appointment_transitions(appointment):
        return AppointmentStatus(previous)
    return None


def alternatives(
    appointment_type: AppointmentType,
    around: datetime,
    practitioner: Resource | None,
    room: Resource | None = None,
) -> list[Slot]:
    """Free times near `around`; with a chosen room (one the type can use), those in that
    room first."""
    if room is not None and room not in rooms_for_type(appointment_type):
        room = None
    start = max(around - timedelta(hours=2), timezone.now())
    found = find_slots(
        appointment_type=appointment_type,
        start=start,
        end=start + timedelta(days=ALTERNATIVES_DAYS),
        practitioner=practitioner,
        limit=ALTERNATIVES if room is None else ALTERNATIVES * ROOM_ALTERNATIVES_FACTOR,
    )
    if room is None:
        return found
    in_room = slots_in_room(found, room=room, appointment_type=appointment_type)
    chosen = {slot.start for slot in in_room}
    return (in_room + [slot for slot in found if slot.start not in chosen])[:ALTERNATIVES]


def rooms_for_type(appointment_type: AppointmentType) -> list[Resource]:
    """The rooms and other non-practitioner resources of the unit the type can be booked
    into (each once, in the unit's order); empty for a type that needs none."""
    seen: dict[int, Resource] = {}
    for pool in type_candidates(appointment_type):
        for resource in pool:
            if resource.kind != ResourceKind.PRACTITIONER:
                seen.setdefault(resource.pk, resource)
    return list(seen.values())


def slots_in_room(
    slots: list[Slot], *, room: Resource, appointment_type: AppointmentType
) -> list[Slot]:
    """The slots at which `room` is free too, with the room in place of the one the search
    picked (of its kind). Reads the room's time once for all the slots' days."""
    if not slots:
        return []
    hold = timedelta(minutes=appointment_type.duration_minutes + appointment_type.buffer_minutes)
    availability = load_availability(
        resources=[room],
        schedule=UnitSchedule.objects.filter(unit_id=room.unit_id).first(),
        first=timezone.localtime(min(s.start for s in slots), LOCAL).date(),
        last=timezone.localtime(max(s.start for s in slots) + hold, LOCAL).date(),
    )
    found = []
    for slot in slots:
        if room in slot.resources:
            found.append(slot)
            continue
        index = next((i for i, r in enumerate(slot.resources) if r.kind == room.kind), None)
        if index is None or not availability.is_free(room.pk, slot.start, slot.start + hold):
            continue
        resources = (*slot.resources[:index], room, *slot.resources[index + 1 :])
        found.append(Slot(slot.start, slot.end, resources))
    return found


def _with_room(
    appointment_type: AppointmentType, candidates: list[list[Resource]], room: Resource
) -> list[list[Resource]]:
    """The candidates with `room` as the only choice for the first need it can fill, or
    BookingError naming the rooms that fit. A room of another unit, of a kind the type does
    not need, or not among the ones a need allows, fits no need."""
    for index, pool in enumerate(candidates):
        if room.kind != ResourceKind.PRACTITIONER and room in pool:
            return [
                [room] if i == index else [r for r in other if r != room]
                for i, other in enumerate(candidates)
            ]
    fitting = rooms_for_type(appointment_type)
    if not fitting:
        raise BookingError(
            BookingError.ROOM_NOT_NEEDED % {"type": appointment_type.name}, code="room_unfit"
        )
    raise BookingError(
        BookingError.ROOM_UNFIT
        % {
            "room": room.name,
            "type": appointment_type.name,
            "choices": ", ".join(r.name for r in fitting),
        },
        code="room_unfit",
    )


def _choose_resources(
    appointment_type: AppointmentType,
    start: datetime,
    hold_end: datetime,
    practitioner: Resource | None,
    *,
    overbook: bool,
    ignore_appointment_id: int | None = None,
    session: Appointment | None = None,
    room: Resource | None = None,
) -> tuple[Resource, ...]:
    """The resources for the booking, or BookingError saying why there are none. A chosen
    `room` (or other non-practitioner resource) replaces the automatic choice for its need."""
    if session is not None:
        # Joining a group session: the same resources, already held by the session.
        held = tuple(
            Resource.objects.filter(
                pk__in=AppointmentResource.objects.filter(appointment=session).values("resource_id")
            )
        )
        if room is not None and room not in held:
            rooms = [r.name for r in held if r.kind != ResourceKind.PRACTITIONER]
            if not rooms:
                raise BookingError(
                    BookingError.ROOM_NOT_NEEDED % {"type": appointment_type.name},
                    code="room_unfit",
                )
            raise BookingError(
                BookingError.ROOM_NOT_IN_SESSION % {"rooms": ", ".join(rooms)}, code="room_unfit"
            )
        return held
    candidates = type_candidates(appointment_type, practitioner)
    if room is not None:
        candidates = _with_room(appointment_type, candidates, room)
    if any(not pool for pool in candidates):
        raise BookingError(BookingError.NO_RESOURCE, code="no_resource")
    schedule = UnitSchedule.objects.filter(unit_id=appointment_type.unit_id).first()
    local_start = timezone.localtime(start, LOCAL)
    availability = load_availability(
        resources=[r for pool in candidates for r in pool],
        schedule=schedule,
        first=local_start.date(),
        last=timezone.localtime(hold_end, LOCAL).date(),
        ignore_appointment_id=ignore_appointment_id,
    )
    if local_start.date() in availability.closed:
        raise BookingError(
            BookingError.CLOSED % {"day": availability.closed[local_start.date()]},
            code="closed",
        )
    opened: list[list[Resource]] = [
        [r for r in pool if availability.is_open(r.pk, start, hold_end)] for pool in candidates
    ]
    if any(not pool for pool in opened):
        raise BookingError(BookingError.OUTSIDE_HOURS, code="outside_hours")
    if overbook:
        return tuple(pool[0] for pool in opened)
    chosen = pick_resources(availability, candidates, start, hold_end)
    if chosen is None:
        raise BookingError(BookingError.TAKEN, code="taken")
    return chosen


def _log(
    actor: Actor, action: Action, appointment: Appointment, channel: Channel, reason: str = ""
) -> None:
    access_log_record(
        actor=actor,
        action=action,
        purpose=Purpose.ADMINISTRATION,
        channel=channel,
        object_type="appointment",
        object_id=appointment.public_id,
        patient_id=appointment.patient.public_id,
        organisation_id=appointment.organisation_id,
        reason=reason,
    )


def _event(appointment: Appointment, actor: Actor | None, kind: str, **fields: object) -> None:
    AppointmentEvent.objects.create(
        organisation_id=appointment.organisation_id,
        appointment=appointment,
        at=timezone.now(),
        by=actor.user if actor is not None else None,
        kind=kind,
        **fields,
    )


def _hold(appointment: Appointment, resources: tuple[Resource, ...]) -> None:
    AppointmentResource.objects.bulk_create(
        AppointmentResource(
            organisation_id=appointment.organisation_id,
            appointment=appointment,
            resource=resource,
            start=appointment.start,
            block_end=appointment.block_end,
            session_key=appointment.session_key,
            is_overbooked=appointment.is_overbooked,
        )
        for resource in resources
    )


def _check_type(
    actor: Actor, appointment_type: AppointmentType, patient: Patient, via: BookedVia
) -> None:
    if (
        appointment_type.organisation_id not in actor.organisation_ids
        or not appointment_type.is_active
        or patient.organisation_id != appointment_type.organisation_id
    ):
        raise BookingError(BookingError.NOT_OFFERED, code="not_offered")
    if via == BookedVia.ONLINE and not appointment_type.bookable_online:
        raise BookingError(BookingError.NOT_ONLINE, code="not_online")


def _open_session(appointment_type: AppointmentType, start: datetime) -> Appointment | None:
    """A group session of the type starting then, locked so joins are counted one by one."""
    first = (
        Appointment.objects.select_for_update()
        .filter(
            unit_id=appointment_type.unit_id,
            appointment_type=appointment_type,
            start=start,
            status__in=[
                s
                for s in TRANSITIONS
                if s not in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)
            ],
        )
        .order_by("id")
        .first()
    )
    if first is None:
        return None
    taken = Appointment.objects.filter(
        session_key=first.session_key,
        status__in=[
            AppointmentStatus.BOOKED,
            AppointmentStatus.ARRIVED,
            AppointmentStatus.IN_PROGRESS,
            AppointmentStatus.FINISHED,
        ],
    ).count()
    if taken >= appointment_type.capacity:
        raise BookingError(BookingError.GROUP_FULL, code="group_full")
    return first


@dataclass(frozen=True)
class BookingRequest:
    patient: Patient
    appointment_type: AppointmentType
    start: datetime
    practitioner: Resource | None = None
    overbook: bool = False
    note: str = ""
    room: Resource | None = None


def _book(
    actor: Actor | None,
    request: BookingRequest,
    *,
    via: BookedVia,
    channel: Channel,
    booked_by_actor: Actor,
    series: AppointmentSeries | None = None,
    series_index: int | None = None,
) -> Appointment:
    """Check and write one booking; the caller holds the transaction."""
    appointment_type = request.appointment_type
    start = request.start
    end = start + timedelta(minutes=appointment_type.duration_minutes)
    block_end = end + timedelta(minutes=appointment_type.buffer_minutes)
    session = _open_session(appointment_type, start) if appointment_type.is_group else None
    resources = _choose_resources(
        appointment_type,
        start,
        block_end,
        request.practitioner,
        overbook=request.overbook,
        session=session,
        room=request.room,
    )
    appointment = Appointment(
        organisation_id=appointment_type.organisation_id,
        unit_id=appointment_type.unit_id,
        appointment_type=appointment_type,
        patient=request.patient,
        start=start,
        end=end,
        block_end=block_end,
        is_overbooked=request.overbook,
        booked_via=via,
        booked_by=actor.user if actor is not None else None,
        note=request.note[:300],
        series=series,
        series_index=series_index,
    )
    if session is not None:
        appointment.session_key = session.session_key
    appointment.save()
    _hold(appointment, resources)
    _event(appointment, actor, "booked", to_status=AppointmentStatus.BOOKED, to_start=start)
    _log(booked_by_actor, Action.CREATE, appointment, channel)
    appointment_changed(appointment.pk, "booked")
    return appointment


def appointment_book(
    *,
    actor: Actor,
    patient: Patient,
    appointment_type: AppointmentType,
    start: datetime,
    practitioner: Resource | None = None,
    overbook: bool = False,
    note: str = "",
    via: BookedVia = BookedVia.STAFF,
    channel: Channel = Channel.UI,
    room: Resource | None = None,
) -> Appointment:
    """Book one appointment, or raise BookingError with the reason and free alternatives.

    `room`: a room (or other non-practitioner resource) chosen instead of the automatic
    choice; it must be one the type needs, in the unit, and free (code "room_unfit" when it
    does not fit, "taken" when it is booked).
    """
    require(actor, Perm.SCHEDULE_BOOK)
    _check_type(actor, appointment_type, patient, via)
    if start < timezone.now():
        raise BookingError(
            BookingError.PAST,
            code="past",
            alternatives=alternatives(appointment_type, start, practitioner, room),
        )
    request = BookingRequest(
        patient, appointment_type, start, practitioner, overbook, note, room=room
    )
    try:
        for _attempt in range(2):
            try:
                with transaction.atomic(durable=True):
                    return _book(
                        actor if via != BookedVia.ONLINE else None,
                        request,
                        via=via,
                        channel=channel,
                        booked_by_actor=actor,
                    )
            except IntegrityError:
                # PostgreSQL's exclusion constraint: someone took a resource meanwhile. With
                # a fixed practitioner and a single candidate per need, trying again is moot.
                continue
        raise BookingError(BookingError.TAKEN, code="taken")
    except BookingError as exc:
        if exc.code in {"taken", "outside_hours", "closed", "group_full"}:
            exc.alternatives = alternatives(appointment_type, start, practitioner, room)
        raise


def appointment_book_within(
    *, actor: Actor, request: BookingRequest, channel: Channel = Channel.UI
) -> Appointment:
    """Book inside the caller's transaction, for a service that writes more in the same one
    (a walk-in's queue number and arrival). The checks of appointment_book, without its retry
    and alternatives: the caller's transaction rolls back on BookingError or IntegrityError."""
    require(actor, Perm.SCHEDULE_BOOK)
    _check_type(actor, request.appointment_type, request.patient, BookedVia.STAFF)
    if request.start < timezone.now():
        raise BookingError(BookingError.PAST, code="past")
    return _book(actor, request, via=BookedVia.STAFF, channel=channel, booked_by_actor=actor)


def appointment_move(
    *,
    actor: Actor,
    appointment: Appointment,
    start: datetime,
    practitioner: Resource | None = None,
    channel: Channel = Channel.UI,
    room: Resource | None = None,
) -> Appointment:
    """Move to a new time (and optionally practitioner and room); the old time is freed.
    Without a room the schedule chooses one, as when booking."""
    require(actor, Perm.SCHEDULE_BOOK)
    if appointment.status != AppointmentStatus.BOOKED:
        raise BookingError(
            BookingError.BAD_STATUS % {"from": appointment.get_status_display(), "to": "moved"},
            code="bad_status",
        )
    if start < timezone.now():
        raise BookingError(BookingError.PAST, code="past")
    appointment_type = appointment.appointment_type
    if practitioner is None:
        practitioner = Resource.objects.filter(
            pk__in=AppointmentResource.objects.filter(appointment=appointment).values(
                "resource_id"
            ),
            kind=ResourceKind.PRACTITIONER,
        ).first()
    try:
        with transaction.atomic(durable=True):
            locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
            end = start + timedelta(minutes=appointment_type.duration_minutes)
            block_end = end + timedelta(minutes=appointment_type.buffer_minutes)
            resources = _choose_resources(
                appointment_type,
                start,
                block_end,
                practitioner,
                overbook=False,
                ignore_appointment_id=locked.pk,
                room=room,
            )
            old_start = locked.start
            AppointmentResource.objects.filter(appointment=locked).delete()
            locked.start, locked.end, locked.block_end = start, end, block_end
            locked.save(update_fields=["start", "end", "block_end"])
            _hold(locked, resources)
            _event(locked, actor, "moved", from_start=old_start, to_start=start)
            _log(actor, Action.UPDATE, locked, channel, "moved")
            appointment_changed(locked.pk, "moved")
    except IntegrityError as exc:
        raise BookingError(
            BookingError.TAKEN,
            code="taken",
            alternatives=alternatives(appointment_type, start, practitioner, room),
        ) from exc
    except BookingError as exc:
        if exc.code != "room_unfit":
            exc.alternatives = alternatives(appointment_type, start, practitioner, room)
        raise
    return locked


def appointment_set_status(
    *,
    actor: Actor,
    appointment: Appointment,
    status: AppointmentStatus,
    reason: str = "",
    channel: Channel = Channel.UI,
) -> Appointment:
    """Change status along TRANSITIONS, keeping who and when in the appointment's history."""
    require(actor, Perm.SCHEDULE_BOOK)
    try:
        with transaction.atomic(durable=True):
            return appointment_set_status_within(
                actor=actor, appointment=appointment, status=status, reason=reason, channel=channel
            )
    except IntegrityError as exc:
        raise BookingError(BookingError.TAKEN, code="taken") from exc


def appointment_set_status_within(
    *,
    actor: Actor,
    appointment: Appointment,
    status: AppointmentStatus,
    reason: str = "",
    channel: Channel = Channel.UI,
) -> Appointment:
    """appointment_set_status inside the caller's transaction (which rolls back on an error)."""
    require(actor, Perm.SCHEDULE_BOOK)
    status = AppointmentStatus(status)
    locked = (
        Appointment.objects.select_for_update(of=("self", "patient"))
        .select_related("patient", "appointment_type")
        .get(pk=appointment.pk)
    )
    if status not in appointment_transitions(locked):
        raise BookingError(
            BookingError.BAD_STATUS % {"from": locked.get_status_display(), "to": status.label},
            code="bad_status",
        )
    if status == AppointmentStatus.CANCELLED and not reason.strip():
        raise BookingError(BookingError.REASON_REQUIRED, code="reason_required")
    previous = locked.status
    locked.status, locked.previous_status = status, previous
    fields = ["status", "previous_status"]
    if status == AppointmentStatus.CANCELLED:
        locked.cancel_reason = reason.strip()[:300]
        fields.append("cancel_reason")
    if status == AppointmentStatus.ARRIVED and locked.arrived_at is None:
        locked.arrived_at = timezone.now()
        fields.append("arrived_at")
    locked.save(update_fields=fields)
    holds = AppointmentResource.objects.filter(appointment=locked)
    if status == AppointmentStatus.CANCELLED:
        holds.update(holds_time=False)
        _waitlist_offer(locked)
    elif previous == AppointmentStatus.CANCELLED:
        # Undoing a cancellation takes the time again, if it is still free.
        holds.update(holds_time=True)
    _event(
        locked,
        actor,
        "status",
        from_status=previous,
        to_status=status,
        reason=reason.strip()[:300],
    )
    _log(actor, Action.UPDATE, locked, channel, f"{previous} -> {status}")
    appointment_status_changed(locked, previous, status, actor)
    appointment_changed(
        locked.pk, "cancelled" if status == AppointmentStatus.CANCELLED else "status"
    )
    return locked


def appointment_cancel(
    *, actor: Actor, appointment: Appointment, reason: str, channel: Channel = Channel.UI
) -> Appointment:
    return appointment_set_status(
        actor=actor,
        appointment=appointment,
        status=AppointmentStatus.CANCELLED,
        reason=reason,
        channel=channel,
    )


# Series -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedOccurrence:
    index: int
    start: datetime
    problem: str  # empty when the time is free
    alternative: Slot | None


def series_plan(
    *,
    actor: Actor,
    patient: Patient,
    appointment_type: AppointmentType,
    first_start: datetime,
    count: int,
    interval_days: int = 7,
    practitioner: Resource | None = None,
) -> list[PlannedOccurrence]:
    """Check every occurrence before anything is booked: conflicts are listed with the
    nearest free alternative on the same day or later."""
    require(actor, Perm.SCHEDULE_BOOK)
    _check_type(actor, appointment_type, patient, BookedVia.STAFF)
    plan = []
    for index in range(count):
        start = _same_local_time(first_start, index * interval_days)
        end = start + timedelta(minutes=appointment_type.duration_minutes)
        hold_end = end + timedelta(minutes=appointment_type.buffer_minutes)
        problem = ""
        try:
            if start < timezone.now():
                raise BookingError(BookingError.PAST, code="past")
            _choose_resources(appointment_type, start, hold_end, practitioner, overbook=False)
        except BookingError as exc:
            problem = exc.message
        alternative = None
        if problem:
            found = find_slots(
                appointment_type=appointment_type,
                start=start,
                end=start + timedelta(days=interval_days),
                practitioner=practitioner,
                limit=1,
            )
            alternative = found[0] if found else None
        plan.append(PlannedOccurrence(index, start, problem, alternative))
    return plan


def _same_local_time(first: datetime, days: int) -> datetime:
    """The same wall-clock time `days` later (weekly sessions stay at 10:00 across DST)."""
    local = timezone.localtime(first, LOCAL)
    return (local.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=LOCAL)


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
    _check_type(actor, appointment_type, patient, BookedVia.STAFF)
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
            for index, start in enumerate(starts):
                if start < timezone.now():
                    raise BookingError(BookingError.PAST, code="past")
                _book(
                    actor,
                    BookingRequest(patient, appointment_type, start, practitioner),
                    via=BookedVia.STAFF,
                    channel=channel,
                    booked_by_actor=actor,
                    series=series,
                    series_index=index,
                )
    except IntegrityError as exc:
        raise BookingError(BookingError.TAKEN, code="taken") from exc
    return series


def series_cancel_rest(
    *, actor: Actor, appointment: Appointment, reason: str, channel: Channel = Channel.UI
) -> int:
    """Cancel this occurrence and the rest of its series."""
    require(actor, Perm.SCHEDULE_BOOK)
    if appointment.series_id is None:
        appointment_cancel(actor=actor, appointment=appointment, reason=reason, channel=channel)
        return 1
    rest = Appointment.objects.filter(
        series_id=appointment.series_id,
        series_index__gte=appointment.series_index,
        status=AppointmentStatus.BOOKED,
    ).order_by("series_index")
    count = 0
    for occurrence in rest:
        appointment_cancel(actor=actor, appointment=occurrence, reason=reason, channel=channel)
        count += 1
    return count


# Waitlist ---------------------------------------------------------------------------------------


def waitlist_add(
    *,
    actor: Actor,
    patient: Patient,
    appointment_type: AppointmentType,
    practitioner: Resource | None = None,
    earliest: date | None = None,
    latest: date | None = None,
    note: str = "",
) -> WaitlistEntry:
    require(actor, Perm.SCHEDULE_BOOK)
    _check_type(actor, appointment_type, patient, BookedVia.STAFF)
    with transaction.atomic(durable=True):
        entry = WaitlistEntry.objects.create(
            organisation_id=appointment_type.organisation_id,
            unit_id=appointment_type.unit_id,
            patient=patient,
            appointment_type=appointment_type,
            practitioner=practitioner,
            earliest=earliest,
            latest=latest,
            note=note[:300],
        )
        access_log_record(
            actor=actor,
            action=Action.CREATE,
            purpose=Purpose.ADMINISTRATION,
            channel=Channel.UI,
            object_type="waitlist_entry",
            object_id=entry.public_id,
            patient_id=patient.public_id,
            organisation_id=patient.organisation_id,
        )
    return entry


def _waitlist_offer(cancelled: Appointment) -> WaitlistEntry | None:
    """Offer a freed time to the first patient waiting for that type (and practitioner)."""
    day = timezone.localtime(cancelled.start, LOCAL).date()
    practitioner_ids = list(
        AppointmentResource.objects.filter(
            appointment=cancelled, resource__kind=ResourceKind.PRACTITIONER
        ).values_list("resource_id", flat=True)
    )
    candidates = (
        WaitlistEntry.objects.select_for_update()
        .filter(
            unit_id=cancelled.unit_id,
            appointment_type_id=cancelled.appointment_type_id,
            status=WaitlistStatus.WAITING,
        )
        .exclude(patient_id=cancelled.patient_id)
        .order_by("created_at")
    )
    for entry in candidates:
        if entry.earliest and day < entry.earliest:
            continue
        if entry.latest and day > entry.latest:
            continue
        if entry.practitioner_id and entry.practitioner_id not in practitioner_ids:
            continue
        entry.status = WaitlistStatus.OFFERED
        entry.offered_appointment = cancelled
        entry.save(update_fields=["status", "offered_appointment"])
        return entry
    return None
