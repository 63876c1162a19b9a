"""What a booking may take, read before anything is written: the type offered to the patient,
a group session's place, the resources open and free at the time (or the one room chosen), and
the free alternatives offered when a booking is refused."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from klinik.core.policy import Actor
from klinik.patients.models import Patient
from klinik.scheduling.availability import LOCAL, load_availability
from klinik.scheduling.choices import ACTIVE_STATUSES, AppointmentStatus, BookedVia, ResourceKind
from klinik.scheduling.errors import BookingCode, BookingError
from klinik.scheduling.models import (
    Appointment,
    AppointmentResource,
    AppointmentType,
    Resource,
    UnitSchedule,
)
from klinik.scheduling.selectors import unit_schedule
from klinik.scheduling.slots import Slot, find_slots, pick_resources, type_candidates

ALTERNATIVES = 5
ALTERNATIVES_DAYS = 30
# With a chosen room, free times are searched among this many times more slots, and those in
# which the room itself is free are offered first.
ROOM_ALTERNATIVES_FACTOR = 4


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
    spans = {slot.start: appointment_type.hold_span(slot.start) for slot in slots}
    availability = load_availability(
        resources=[room],
        schedule=UnitSchedule.objects.filter(unit_id=room.unit_id).first(),
        first=timezone.localtime(min(a for a, _b in spans.values()), LOCAL).date(),
        last=timezone.localtime(max(b for _a, b in spans.values()), LOCAL).date(),
    )
    found = []
    for slot in slots:
        if room in slot.resources:
            found.append(slot)
            continue
        index = next((i for i, r in enumerate(slot.resources) if r.kind == room.kind), None)
        if index is None or not availability.is_free(room.pk, *spans[slot.start]):
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
            BookingError.ROOM_NOT_NEEDED % {"type": appointment_type.name},
            code=BookingCode.ROOM_UNFIT,
        )
    raise BookingError(
        BookingError.ROOM_UNFIT
        % {
            "room": room.name,
            "type": appointment_type.name,
            "choices": ", ".join(r.name for r in fitting),
        },
        code=BookingCode.ROOM_UNFIT,
    )


def resources_choose(
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
                    code=BookingCode.ROOM_UNFIT,
                )
            raise BookingError(
                BookingError.ROOM_NOT_IN_SESSION % {"rooms": ", ".join(rooms)},
                code=BookingCode.ROOM_UNFIT,
            )
        return held
    candidates = type_candidates(appointment_type, practitioner)
    if room is not None:
        candidates = _with_room(appointment_type, candidates, room)
    if any(not pool for pool in candidates):
        raise BookingError(BookingError.NO_RESOURCE, code=BookingCode.NO_RESOURCE)
    schedule = unit_schedule(unit_id=appointment_type.unit_id)
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
            code=BookingCode.CLOSED,
        )
    opened: list[list[Resource]] = [
        [r for r in pool if availability.is_open(r.pk, start, hold_end)] for pool in candidates
    ]
    if any(not pool for pool in opened):
        raise BookingError(BookingError.OUTSIDE_HOURS, code=BookingCode.OUTSIDE_HOURS)
    if overbook:
        return tuple(pool[0] for pool in opened)
    chosen = pick_resources(availability, candidates, start, hold_end)
    if chosen is None:
        raise BookingError(BookingError.TAKEN, code=BookingCode.TAKEN)
    return chosen


def appointment_type_check(
    actor: Actor, appointment_type: AppointmentType, patient: Patient, via: BookedVia
) -> None:
    if (
        appointment_type.organisation_id not in actor.organisation_ids
        or not appointment_type.is_active
        or patient.organisation_id != appointment_type.organisation_id
    ):
        raise BookingError(BookingError.NOT_OFFERED, code=BookingCode.NOT_OFFERED)
    if via == BookedVia.ONLINE and not appointment_type.bookable_online:
        raise BookingError(BookingError.NOT_ONLINE, code=BookingCode.NOT_ONLINE)


def group_session_find(appointment_type: AppointmentType, start: datetime) -> Appointment | None:
    """A group session of the type starting then, locked so joins are counted one by one."""
    first = (
        Appointment.objects.select_for_update()
        .filter(
            unit_id=appointment_type.unit_id,
            appointment_type=appointment_type,
            start=start,
            status__in=ACTIVE_STATUSES,
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
        raise BookingError(BookingError.GROUP_FULL, code=BookingCode.GROUP_FULL)
    return first
