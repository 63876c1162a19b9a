"""Scheduling over REST: types, free slots, booking and cancelling, a day's appointments."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from klinik.api.types import OUT_OF_RANGE, ApiDate, ApiDateTime, Out, day_in_range, moment_local
from klinik.audit.choices import Channel
from klinik.core.http import ApiRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm, require
from klinik.core.setup.selectors import setup_unit
from klinik.patients.access import access_patient
from klinik.scheduling.access import (
    access_appointment,
    access_appointment_type,
    access_resource,
    appointment_detail,
)
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.choices import ResourceKind
from klinik.scheduling.models import Appointment, AppointmentType, Resource
from klinik.scheduling.schedule import DayAppointment, ResourceRef, appointments_between
from klinik.scheduling.selectors import appointment_types_for, series_appointments
from klinik.scheduling.series import PlannedOccurrence, SeriesRule, series_create
from klinik.scheduling.slots import Slot, find_slots
from klinik.scheduling.transitions import appointment_cancel
from klinik.scheduling.types.selectors import setup_type
from klinik.scheduling.types.services import RequirementInput, TypeInput, appointment_type_create

router = Router(tags=["scheduling"])
MAX_SLOT_DAYS = 366


class RequirementSchema(Schema):
    kind: str  # practitioner, room, equipment
    # Resource ids: one of these; empty: any active one of the kind in the unit.
    allowed: list[uuid.UUID] = []


class AppointmentTypeOut(Out):
    id: uuid.UUID
    name: str
    unit: str
    unit_id: uuid.UUID
    duration_minutes: int
    buffer_minutes: int
    buffer_before_minutes: int
    bookable_online: bool
    is_group: bool
    capacity: int
    colour: str
    attendance: str
    reminder_hours: int
    preparation_text: str
    is_active: bool
    requirements: list[RequirementSchema]


class AppointmentTypeIn(Schema):
    unit: uuid.UUID
    name: str
    duration_minutes: int
    buffer_minutes: int = 0
    buffer_before_minutes: int = 0
    attendance: str = "in_person"
    bookable_online: bool = False
    is_group: bool = False
    capacity: int = 1
    preparation_text: str = ""
    reminder_hours: int = 24
    colour: str = "#4a90d9"
    is_active: bool = True
    requirements: list[RequirementSchema]


class ResourceOut(Out):
    id: uuid.UUID
    name: str
    kind: str


class SlotOut(Out):
    start: datetime
    end: datetime
    practitioner: ResourceOut | None
    resources: list[ResourceOut]


class AppointmentIn(Schema):
    patient: uuid.UUID
    appointment_type: uuid.UUID
    start: ApiDateTime
    practitioner: uuid.UUID | None = None
    # A room (or other non-practitioner resource) the type needs; without it the schedule
    # chooses. 422 "room_unfit" when the type cannot use it, 409 "taken" when it is booked.
    room: uuid.UUID | None = None
    overbook: bool = False
    note: str = ""


class AppointmentOut(Out):
    id: uuid.UUID
    patient: uuid.UUID
    patient_name: str
    appointment_type: uuid.UUID
    appointment_type_name: str
    unit: str
    start: datetime
    end: datetime
    status: str
    practitioner: ResourceOut | None
    resources: list[ResourceOut]
    note: str


class SeriesIn(Schema):
    patient: uuid.UUID
    appointment_type: uuid.UUID
    start: ApiDateTime = Field(description="The first appointment; the others at its local time")
    practitioner: uuid.UUID | None = None
    every_weeks: int = Field(1, description="Repeat every N weeks (1-52)")
    count: int | None = Field(None, description="How many appointments (1-104); or `until`")
    weekdays: list[int] = Field(
        default_factory=list,
        description="Weekdays to repeat on, 0 = Monday (none: the weekday of `start`)",
    )
    until: ApiDate | None = Field(None, description="The last date (instead of `count`)")
    skip_conflicts: bool = Field(
        False, description="Book the free times and report the others instead of refusing"
    )


class ConflictOut(Out):
    index: int
    start: datetime
    problem: str
    code: str
    alternative: SlotOut | None


class SeriesOut(Out):
    id: uuid.UUID
    appointments: list[AppointmentOut]
    conflicts: list[ConflictOut]


class CancelIn(Schema):
    reason: str
    # Tell the patient (SMS or e-mail, when they consented to one); default as the screen's.
    notify: bool = True


def _resource_out(resource: Resource | ResourceRef) -> ResourceOut:
    return ResourceOut(id=resource.public_id, name=resource.name, kind=resource.kind)


def slot_out(slot: Slot) -> SlotOut:
    return SlotOut(
        start=slot.start,
        end=slot.end,
        practitioner=_resource_out(slot.practitioner) if slot.practitioner else None,
        resources=[_resource_out(r) for r in slot.resources],
    )


def appointment_out(appointment: Appointment | DayAppointment) -> AppointmentOut:
    resources = [hold.resource for hold in appointment.holds]
    practitioner = next((r for r in resources if r.kind == ResourceKind.PRACTITIONER), None)
    return AppointmentOut(
        id=appointment.public_id,
        patient=appointment.patient.public_id,
        patient_name=appointment.patient.name,
        appointment_type=appointment.appointment_type.public_id,
        appointment_type_name=appointment.appointment_type.name,
        unit=appointment.unit.name,
        start=appointment.start,
        end=appointment.end,
        status=appointment.status,
        practitioner=_resource_out(practitioner) if practitioner else None,
        resources=[_resource_out(r) for r in resources],
        note=appointment.note,
    )


def conflict_out(conflict: PlannedOccurrence) -> ConflictOut:
    return ConflictOut(
        index=conflict.index,
        start=conflict.start,
        problem=conflict.problem,
        code=conflict.code,
        alternative=slot_out(conflict.alternative) if conflict.alternative else None,
    )


def _moment(raw: str, name: str, *, end_of_day: bool = False) -> datetime:
    """An ISO date (local midnight; for an end, the following midnight) or date-time."""
    try:
        if len(raw) == 10:
            day = day_in_range(date.fromisoformat(raw)) + timedelta(days=1 if end_of_day else 0)
            return datetime.combine(day, time.min, tzinfo=LOCAL)
        return moment_local(datetime.fromisoformat(raw))
    except ValueError as exc:
        raise HttpError(422, f"{name}: an ISO date or date-time, {OUT_OF_RANGE}") from exc


def appointment_type_out(t: AppointmentType) -> AppointmentTypeOut:
    return AppointmentTypeOut(
        id=t.public_id,
        name=t.name,
        unit=t.unit.name,
        unit_id=t.unit.public_id,
        duration_minutes=t.duration_minutes,
        buffer_minutes=t.buffer_minutes,
        buffer_before_minutes=t.buffer_before_minutes,
        bookable_online=t.bookable_online,
        is_group=t.is_group,
        capacity=t.capacity,
        colour=t.colour,
        attendance=t.attendance,
        reminder_hours=t.reminder_hours,
        preparation_text=t.preparation_text,
        is_active=t.is_active,
        requirements=[
            RequirementSchema(kind=q.kind, allowed=[r.public_id for r in q.allowed.all()])
            for q in t.requirements.all()
        ],
    )


@router.get("/appointment-types", response=list[AppointmentTypeOut])
def appointment_types(request: ApiRequest) -> list[AppointmentTypeOut]:
    return [
        appointment_type_out(t)
        for t in appointment_types_for(actor=request.auth).prefetch_related("requirements__allowed")
    ]


@router.post(
    "/appointment-types",
    response={201: AppointmentTypeOut},
    summary="Add an appointment type to a unit (manager); 422 with the field's problem",
)
def appointment_type_create_endpoint(
    request: ApiRequest, payload: AppointmentTypeIn
) -> tuple[int, AppointmentTypeOut]:
    """Each requirement is a resource kind, from `allowed` when given; at least one, and the
    unit must have an active resource of each kind. Written to the setup log."""
    actor = require(request.auth, Perm.CLINIC_SETUP)
    unit = setup_unit(actor=actor, public_id=payload.unit)
    created = appointment_type_create(
        actor=actor,
        unit=unit,
        data=TypeInput(
            name=payload.name,
            duration_minutes=payload.duration_minutes,
            buffer_minutes=payload.buffer_minutes,
            buffer_before_minutes=payload.buffer_before_minutes,
            attendance=payload.attendance,
            bookable_online=payload.bookable_online,
            is_group=payload.is_group,
            capacity=payload.capacity,
            preparation_text=payload.preparation_text,
            reminder_hours=payload.reminder_hours,
            colour=payload.colour,
            is_active=payload.is_active,
            requirements=[
                RequirementInput(kind=q.kind, allowed=tuple(q.allowed))
                for q in payload.requirements
            ],
        ),
        channel=Channel.API,
    )
    found = setup_type(actor=actor, public_id=created.public_id)
    return 201, appointment_type_out(found)


@router.get("/slots", response=list[SlotOut], summary="Free slots for a type")
def slots(
    request: ApiRequest,
    appointment_type: uuid.UUID,
    start: str,
    end: str,
    practitioner: uuid.UUID | None = None,
    limit: int = 10,
) -> list[SlotOut]:
    """The first `limit` times in [start, end) at which every resource the type needs is
    free, inside working hours. `start`/`end`: ISO dates or date-times."""
    if not 1 <= limit <= 100:
        raise HttpError(422, "limit: between 1 and 100")
    begin, finish = _moment(start, "start"), _moment(end, "end", end_of_day=True)
    if finish <= begin:
        raise HttpError(422, "end: must be after start")
    if finish - begin > timedelta(days=MAX_SLOT_DAYS):
        raise HttpError(422, f"end: at most {MAX_SLOT_DAYS} days after start")
    kind = access_appointment_type(actor=request.auth, public_id=appointment_type)
    chosen = access_resource(actor=request.auth, public_id=practitioner) if practitioner else None
    found = find_slots(
        appointment_type=kind, start=begin, end=finish, practitioner=chosen, limit=limit
    )
    return [slot_out(slot) for slot in found]


@router.post(
    "/appointments",
    response={201: AppointmentOut},
    summary="Book; 409 with free alternatives when the time (or the chosen room) is taken",
)
def appointment_create(request: ApiRequest, payload: AppointmentIn) -> tuple[int, AppointmentOut]:
    actor = request.auth
    # The booking's own access-log entry names the patient: the lookup adds none.
    patient = access_patient(
        actor=actor, public_id=payload.patient, channel=Channel.API, is_logged_by_caller=True
    )
    kind = access_appointment_type(actor=actor, public_id=payload.appointment_type)
    practitioner = (
        access_resource(actor=actor, public_id=payload.practitioner)
        if payload.practitioner
        else None
    )
    room = access_resource(actor=actor, public_id=payload.room) if payload.room else None
    start = payload.start
    appointment = appointment_book(
        actor=actor,
        patient=patient,
        appointment_type=kind,
        start=start,
        practitioner=practitioner,
        room=room,
        overbook=payload.overbook,
        note=payload.note,
        channel=Channel.API,
    )
    return 201, appointment_out(appointment)


@router.post(
    "/appointments/series",
    response={201: SeriesOut},
    summary="Book a series: every N weeks (or on weekdays), `count` times or until a date",
    description="Every occurrence is checked first. If any cannot be booked, nothing is: 409 "
    "`series_conflicts` with `conflicts` (each with `index`, `start`, `problem`, `code` and a "
    "free `alternative` or null), unless `skip_conflicts` is true, when the free ones are "
    "booked and the others listed in `conflicts`. 422 for settings out of bounds (`count` "
    "1-104: `series_count`; `every_weeks`: `series_interval`; neither or both of `count` and "
    "`until`: `series_end`).",
)
def appointment_series_create(request: ApiRequest, payload: SeriesIn) -> tuple[int, SeriesOut]:
    actor = request.auth
    patient = access_patient(actor=actor, public_id=payload.patient, channel=Channel.API)
    kind = access_appointment_type(actor=actor, public_id=payload.appointment_type)
    practitioner = (
        access_resource(actor=actor, public_id=payload.practitioner)
        if payload.practitioner
        else None
    )
    booked = series_create(
        actor=actor,
        patient=patient,
        appointment_type=kind,
        rule=SeriesRule(
            first_start=payload.start,
            every_weeks=payload.every_weeks,
            weekdays=frozenset(payload.weekdays),
            count=payload.count,
            until=payload.until,
        ),
        practitioner=practitioner,
        skip_conflicts=payload.skip_conflicts,
        channel=Channel.API,
    )
    return 201, SeriesOut(
        id=booked.series.public_id,
        appointments=[
            appointment_out(a) for a in series_appointments(actor=actor, series=booked.series)
        ],
        conflicts=[conflict_out(c) for c in booked.conflicts],
    )


@router.get("/appointments/{appointment_id}", response=AppointmentOut, summary="One appointment")
def appointment_read(request: ApiRequest, appointment_id: uuid.UUID) -> AppointmentOut:
    """The appointment with its patient and resources; the read is written to the access log."""
    return appointment_out(
        appointment_detail(actor=request.auth, public_id=appointment_id, channel=Channel.API)
    )


@router.post("/appointments/{appointment_id}/cancel", response=AppointmentOut)
def appointment_cancel_endpoint(
    request: ApiRequest, appointment_id: uuid.UUID, payload: CancelIn
) -> AppointmentOut:
    appointment = access_appointment(actor=request.auth, public_id=appointment_id, for_update=True)
    appointment_cancel(
        actor=request.auth,
        appointment=appointment,
        reason=payload.reason,
        channel=Channel.API,
        notify=payload.notify,
    )
    return appointment_out(access_appointment(actor=request.auth, public_id=appointment_id))


@router.get("/appointments", response=list[AppointmentOut], summary="A day's appointments")
def appointments(
    request: ApiRequest,
    date: ApiDate | None = None,
    unit: uuid.UUID | None = None,
    practitioner: uuid.UUID | None = None,
) -> list[AppointmentOut]:
    """The day's appointments (today without `date`), of one unit or one practitioner.
    Cancelled ones are left out. The list is written to the access log."""
    unit_id = None
    if unit is not None:
        found = Unit.objects.filter(
            public_id=unit, organisation_id__in=request.auth.organisation_ids
        ).first()
        if found is None:
            raise HttpError(404, "unit: not found")
        unit_id = found.pk
    resource_ids = None
    if practitioner is not None:
        chosen = access_resource(actor=request.auth, public_id=practitioner)
        if chosen.kind != ResourceKind.PRACTITIONER:
            raise HttpError(422, "practitioner: the resource is not a practitioner")
        resource_ids = [chosen.pk]
    day = date or timezone.localdate()
    return [
        appointment_out(a)
        for a in appointments_between(
            actor=request.auth,
            first=day,
            unit_id=unit_id,
            resource_ids=resource_ids,
            channel=Channel.API,
        )
    ]
