"""A schedule's appointments as plain values: what the calendar, the API's day, the reception
board and the patient page show of them (patient's name, type, unit, held resources), and the
one access-log entry for showing a schedule."""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Field, Model, QuerySet
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core import rows
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.patients.models import Patient
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.models import Appointment, AppointmentResource, AppointmentType, Resource
from klinik.scheduling.selectors import local_day_bounds


@dataclass(frozen=True, slots=True)
class PatientName:
    public_id: uuid.UUID
    given_name: str
    family_name: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True, slots=True)
class TypeRef:
    """What a schedule view shows of an appointment type (named as on AppointmentType)."""

    pk: int
    public_id: uuid.UUID
    name: str
    is_group: bool
    capacity: int


@dataclass(frozen=True, slots=True)
class UnitRef:
    pk: int
    name: str


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """What a schedule view shows of a held resource (named as on Resource)."""

    pk: int
    public_id: uuid.UUID
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class Hold:
    resource_id: int
    resource: ResourceRef


@dataclass(slots=True, eq=False)
class DayAppointment:
    """An appointment as a schedule view shows it (the calendar's columns, the API's day, the
    patient page), read as plain values in two queries (the appointments with patient, type
    and unit; the holds with their resources): building an Appointment, a Patient, a type, a
    unit and a hold and resource model per row cost several times the queries themselves."""

    pk: int
    public_id: uuid.UUID
    start: datetime
    end: datetime
    block_end: datetime
    status: str
    session_key: uuid.UUID
    is_overbooked: bool
    series_id: int | None
    note: str
    patient: PatientName
    appointment_type: TypeRef
    unit: UnitRef
    holds: list[Hold]

    @property
    def status_label(self) -> str:
        return str(AppointmentStatus(self.status).label)


# The columns a schedule view reads, in DayAppointment's order: the appointment's, its
# patient's, type's and unit's, then one hold's resource (NULLs for an appointment without).
_APPOINTMENT_FIELDS = ("id", "public_id", "start", "end", "block_end", "status", "session_key",
                       "is_overbooked", "series", "note")  # fmt: skip
_SELECTED: tuple[tuple[type[Model], str, tuple[str, ...]], ...] = (
    (Appointment, "a", _APPOINTMENT_FIELDS),
    (Patient, "p", ("public_id", "given_name", "family_name")),
    (AppointmentType, "t", ("id", "public_id", "name", "is_group", "capacity")),
    (Unit, "u", ("id", "name")),
    (Resource, "r", ("id", "public_id", "name", "kind")),
)


def _fields(model: type[Model], names: tuple[str, ...]) -> list[Field[Any, Any]]:
    found = [model._meta.get_field(name) for name in names]
    return [f for f in found if isinstance(f, Field)]  # all of them: concrete fields


_FIELDS = tuple(f for model, _alias, names in _SELECTED for f in _fields(model, names))
_WIDTH = len(_FIELDS) - 4  # the appointment's part of a row, before the resource's


def _schedule_sql(chosen: str) -> str:
    """A schedule read: the appointments `chosen` selects (a statement on `a`, the appointment
    table), each with its patient, type, unit and held resources, a row per hold, in order of
    start, appointment and hold. The chosen ones come first as a CTE the planner takes as it
    is: planning the seven-table join as one costs PostgreSQL twice as much as running it;
    and a limit there counts appointments, not holds."""
    t = rows.table
    read = _fields(Appointment, (*_APPOINTMENT_FIELDS, "patient", "appointment_type", "unit"))
    selected = ", ".join(
        rows.columns(_fields(model, names), alias) for model, alias, names in _SELECTED
    )
    return (
        f"WITH a AS MATERIALIZED (SELECT {rows.columns(read, 'a')} {chosen}) "  # noqa: S608
        f"SELECT {selected} FROM a "
        f"JOIN {t(Patient)} p ON p.id = a.patient_id "
        f"JOIN {t(AppointmentType)} t ON t.id = a.appointment_type_id "
        f"JOIN {t(Unit)} u ON u.id = a.unit_id "
        f"LEFT JOIN {t(AppointmentResource)} h ON h.appointment_id = a.id "
        f"LEFT JOIN {t(Resource)} r ON r.id = h.resource_id "
        "ORDER BY a.start, a.id, h.id"
    )


@functools.cache
def _day_sql(organisations: int, resources: int | None, by_unit: bool, vendor: str) -> str:
    """appointments_between's: the actor's organisations' appointments starting in
    [start, end), not of the status given, of a unit and holding one of the resources as
    asked."""
    del vendor  # keys the cache: quoting is the backend's
    chosen = (
        f"FROM {rows.table(Appointment)} a WHERE a.organisation_id {rows.among(organisations)} "
        "AND a.start >= %s AND a.start < %s AND a.status <> %s"
    )
    if by_unit:
        chosen += " AND a.unit_id = %s"
    if resources is not None:
        chosen += (
            f" AND a.id IN (SELECT w.appointment_id FROM {rows.table(AppointmentResource)} w "  # noqa: S608
            f"WHERE w.resource_id {rows.among(resources)} AND w.start >= %s AND w.start < %s)"
        )
    return _schedule_sql(chosen)


@functools.cache
def _patient_sql(vendor: str) -> str:
    """patient_appointments': the patient's first appointments from a moment on."""
    del vendor  # keys the cache: quoting is the backend's
    return _schedule_sql(
        f"FROM {rows.table(Appointment)} a WHERE a.patient_id = %s AND a.start >= %s "
        "ORDER BY a.start, a.id LIMIT %s"
    )


def _schedule_read(sql: str, params: list[Any]) -> list[DayAppointment]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = rows.converted_rows(_FIELDS, cursor.fetchall())
    return _day_appointments(*_split_holds(found))


def appointments_between(
    *,
    actor: Actor,
    first: date,
    days: int = 1,
    unit_id: int | None = None,
    resource_ids: list[int] | None = None,
    channel: Channel = Channel.UI,
    include_cancelled: bool = False,
) -> list[DayAppointment]:
    """Appointments of the period with patient, type and held resources, in one statement;
    with `resource_ids`, those holding one of them. Showing a schedule shows patients: one
    access-log entry per view.

    The statement is written out (klinik.core.rows): a practitioner's day is read all day,
    and building and compiling the queryset cost more than running it."""
    require(actor, Perm.SCHEDULE_VIEW)
    result: list[DayAppointment] = []
    if actor.organisation_ids and resource_ids != []:
        start, end = local_day_bounds(first, days)
        params: list[Any] = [
            *sorted(actor.organisation_ids),
            start,
            end,
            # Nothing is ever cancelled into "": the same statement serves both.
            "" if include_cancelled else AppointmentStatus.CANCELLED.value,
        ]
        if unit_id is not None:
            params.append(unit_id)
        if resource_ids is not None:
            params += [*resource_ids, start, end]
        sql = _day_sql(
            len(actor.organisation_ids),
            None if resource_ids is None else len(resource_ids),
            unit_id is not None,
            connection.vendor,
        )
        result = _schedule_read(sql, params)
    schedule_read_log(actor=actor, first=first, days=days, count=len(result), channel=channel)
    return result


def _day_appointments(
    found: Sequence[Sequence[Any]], holds: dict[int, list[Hold]]
) -> list[DayAppointment]:
    types: dict[int, TypeRef] = {}
    units: dict[int, UnitRef] = {}
    result = []
    for (pk, public_id, start, end, block_end, status, session_key, is_overbooked, series_id,
         note, patient_public_id, given_name, family_name, type_id, type_public_id, type_name,
         is_group, capacity, unit_pk, unit_name, *_hold) in found:  # fmt: skip
        type_ref = types.get(type_id) or types.setdefault(
            type_id, TypeRef(type_id, type_public_id, type_name, is_group, capacity)
        )
        result.append(
            DayAppointment(
                pk=pk,
                public_id=public_id,
                start=start,
                end=end,
                block_end=block_end,
                status=status,
                session_key=session_key,
                is_overbooked=is_overbooked,
                series_id=series_id,
                note=note,
                patient=PatientName(patient_public_id, given_name, family_name),
                appointment_type=type_ref,
                unit=units.get(unit_pk) or units.setdefault(unit_pk, UnitRef(unit_pk, unit_name)),
                holds=holds[pk],
            )
        )
    return result


def _split_holds(
    joined: list[list[Any]],
) -> tuple[list[list[Any]], dict[int, list[Hold]]]:
    """Rows of appointment columns followed by one hold's resource (or NULLs): each
    appointment once (its first row) and its holds in order, each resource once."""
    appointments: list[list[Any]] = []
    holds: dict[int, list[Hold]] = {}
    resources: dict[int, ResourceRef] = {}
    previous = None
    for row in joined:
        pk = row[0]
        if pk != previous:
            appointments.append(row)
            previous = pk
            holds[pk] = []
        resource_id, public_id, name, kind = row[_WIDTH:]
        if resource_id is not None:
            resource = resources.get(resource_id) or resources.setdefault(
                resource_id, ResourceRef(resource_id, public_id, name, kind)
            )
            holds[pk].append(Hold(resource_id, resource))
    return appointments, holds


def appointments_between_query(
    *,
    actor: Actor,
    first: date,
    days: int = 1,
    unit_id: int | None = None,
    resource_ids: list[int] | None = None,
    include_cancelled: bool = False,
    with_walk_ins: bool = False,
) -> QuerySet[Appointment]:
    """The appointments appointments_between reads, as a query, for a reader that needs
    only a few columns of thousands of rows (the reception board). The caller shows
    patients and so logs the read with schedule_read_log."""
    require(actor, Perm.SCHEDULE_VIEW)
    start, end = local_day_bounds(first, days)
    appointments = Appointment.objects.filter(
        organisation_id__in=actor.organisation_ids, start__gte=start, start__lt=end
    )
    if unit_id is not None:
        appointments = appointments.filter(unit_id=unit_id)
    if resource_ids is not None:
        held = AppointmentResource.objects.filter(
            resource_id__in=resource_ids, start__gte=start, start__lt=end
        ).values_list("appointment_id", flat=True)
        if with_walk_ins:
            # The ids first: an OR of the two makes PostgreSQL's planner expect hundreds of
            # rows where there are dozens, and walk the whole patient table to join them.
            walk_ins = appointments.filter(queue_number__isnull=False).values_list("pk", flat=True)
            appointments = appointments.filter(pk__in={*held, *walk_ins})
        else:
            appointments = appointments.filter(pk__in=held)
    if not include_cancelled:
        appointments = appointments.exclude(status=AppointmentStatus.CANCELLED)
    return appointments


def schedule_read_log(
    *, actor: Actor, first: date, days: int, count: int, channel: Channel
) -> None:
    """The one access-log entry for showing a schedule; filed under the schedule's
    organisation when the actor reads one clinic of a community."""
    only = next(iter(actor.organisation_ids)) if len(actor.organisation_ids) == 1 else None
    access_log_record(
        actor=actor,
        action=Action.VIEW,
        purpose=Purpose.ADMINISTRATION,
        channel=channel,
        object_type="schedule",
        reason=f"{first.isoformat()} +{days}d: {count} appointments",
        organisation_id=only,
    )


def by_resource(appointments: list[DayAppointment]) -> dict[int, list[DayAppointment]]:
    grouped: dict[int, list[DayAppointment]] = defaultdict(list)
    for appointment in appointments:
        for hold in appointment.holds:
            grouped[hold.resource_id].append(appointment)
    return grouped


def patient_appointments(
    *, patient_id: int, past_days: int = 90, limit: int = 20
) -> list[DayAppointment]:
    """A patient's appointments from `past_days` ago onwards, soonest first (the caller has
    opened the patient through access_patient, which logged the read)."""
    since = timezone.now() - timedelta(days=past_days)
    return _schedule_read(_patient_sql(connection.vendor), [patient_id, since, limit])
