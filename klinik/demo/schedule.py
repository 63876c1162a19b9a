"""Synthetic schedules: resources, hours, appointment types and a period of bookings.

`generate_schedule` fills a unit the way a busy clinic looks: past days nearly full (mostly
finished, some no-shows and cancellations), the coming weeks filling up, months ahead sparse.
Bookings are laid out without overlaps by construction and inserted in bulk (bulk.py), so the
exclusion constraint on PostgreSQL accepts them and slot search sees realistic gaps.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.models import Unit, User
from klinik.demo.bulk import bulk_insert, db_datetime, db_uuid, reserve_ids
from klinik.patients.models import Patient
from klinik.scheduling.availability import LOCAL, closed_days
from klinik.scheduling.choices import AppointmentStatus, ResourceKind
from klinik.scheduling.models import (
    Appointment,
    AppointmentEvent,
    AppointmentResource,
    AppointmentType,
    Resource,
    TypeRequirement,
    UnitSchedule,
    WorkingHours,
)


@dataclass(frozen=True)
class TypeSpec:
    name: str
    minutes: int
    buffer: int = 0
    needs_room: bool = False
    share: float = 1.0  # relative frequency
    online: bool = False
    colour: str = "#4a90d9"
    is_group: bool = False
    capacity: int = 1
    preparation: str = ""


GP_TYPES = [
    TypeSpec(
        "Konsultation",
        15,
        5,
        True,
        0.45,
        True,
        "#4a90d9",
        preparation="Medbring en liste over den medicin, du tager.",
    ),
    TypeSpec("Telefonkonsultation", 10, 0, False, 0.35, False, "#7cb342"),
    TypeSpec("Længere konsultation", 30, 5, True, 0.12, False, "#8e6bbf"),
    TypeSpec(
        "Årskontrol",
        20,
        5,
        True,
        0.08,
        True,
        "#f0a030",
        preparation="Mød fastende, hvis der skal tages blodprøver.",
    ),
]


@dataclass(frozen=True)
class HoursSpec:
    blocks: tuple[tuple[time, time], ...] = ((time(8), time(12)), (time(12, 30), time(16)))
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)


def resources_create(
    *,
    unit: Unit,
    practitioners: Sequence[tuple[str, User | None]],
    rooms: Sequence[str],
    hours: HoursSpec = HoursSpec(),
) -> tuple[list[Resource], list[Resource]]:
    org_id = unit.organisation_id
    UnitSchedule.objects.get_or_create(unit=unit, defaults={"organisation_id": org_id})
    made: dict[str, list[Resource]] = {"p": [], "r": []}
    for key, kind, names in (
        ("p", ResourceKind.PRACTITIONER, practitioners),
        ("r", ResourceKind.ROOM, [(name, None) for name in rooms]),
    ):
        for index, (name, user) in enumerate(names):
            resource, created = Resource.objects.get_or_create(
                unit=unit,
                kind=kind,
                name=name,
                defaults={"organisation_id": org_id, "user": user, "sort_order": index},
            )
            if created:
                WorkingHours.objects.bulk_create(
                    WorkingHours(
                        organisation_id=org_id,
                        resource=resource,
                        weekday=weekday,
                        start=start,
                        end=end,
                    )
                    for weekday in hours.weekdays
                    for start, end in hours.blocks
                )
            made[key].append(resource)
    return made["p"], made["r"]


def types_create(*, unit: Unit, specs: Sequence[TypeSpec]) -> list[AppointmentType]:
    made = []
    for spec in specs:
        kind, created = AppointmentType.objects.get_or_create(
            unit=unit,
            name=spec.name,
            defaults={
                "organisation_id": unit.organisation_id,
                "duration_minutes": spec.minutes,
                "buffer_minutes": spec.buffer,
                "bookable_online": spec.online,
                "colour": spec.colour,
                "is_group": spec.is_group,
                "capacity": spec.capacity,
                "preparation_text": spec.preparation,
            },
        )
        if created:
            kinds = [ResourceKind.PRACTITIONER] + ([ResourceKind.ROOM] if spec.needs_room else [])
            for resource_kind in kinds:
                TypeRequirement.objects.create(
                    organisation_id=unit.organisation_id,
                    appointment_type=kind,
                    kind=resource_kind,
                )
        made.append(kind)
    return made


def _occupancy(day: date, today: date) -> float:
    """How full a day is: the past nearly full, the next weeks filling, months ahead sparse."""
    ahead = (day - today).days
    if ahead < 0:
        return 0.92
    if ahead < 14:
        return 0.85
    if ahead < 60:
        return 0.6
    return 0.25


def generate_schedule(
    *,
    unit: Unit,
    practitioners: Sequence[Resource],
    rooms: Sequence[Resource],
    types: Sequence[AppointmentType],
    specs: Sequence[TypeSpec],
    days_back: int,
    days_ahead: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Book the unit's resources over [today - days_back, today + days_ahead]; returns the
    number of appointments created."""
    rng = random.Random(seed)
    patient_ids = list(
        Patient.objects.filter(organisation_id=unit.organisation_id, status="active").values_list(
            "id", flat=True
        )[:200_000]
    )
    if not patient_ids:
        raise ValueError("The organisation has no patients: generate patients first")
    today = timezone.localdate()
    first, last = today - timedelta(days=days_back), today + timedelta(days=days_ahead)
    schedule = UnitSchedule.objects.filter(unit=unit).first()
    closed = closed_days(schedule, first, last)
    hours: dict[int, dict[int, list[tuple[time, time]]]] = {}
    for row in WorkingHours.objects.filter(resource__in=practitioners):
        hours.setdefault(row.resource_id, {}).setdefault(row.weekday, []).append(
            (row.start, row.end)
        )
    weights = [s.share for s in specs]
    now = timezone.now()
    created = 0
    org_id = unit.organisation_id
    with transaction.atomic():
        day = first
        while day <= last:
            if day not in closed:
                rows = _day(
                    unit,
                    day,
                    today,
                    now,
                    practitioners,
                    rooms,
                    types,
                    specs,
                    weights,
                    hours,
                    patient_ids,
                    rng,
                )
                _insert_day(org_id, rows, now)
                created += len(rows)
                if progress is not None:
                    progress(len(rows))
            day += timedelta(days=1)
        access_log_record(
            actor=None,
            username="klinik generate",
            action=Action.CREATE,
            purpose=Purpose.ADMINISTRATION,
            channel=Channel.CLI,
            object_type="synthetic_schedule",
            organisation_id=org_id,
            reason=f"{created} synthetic appointments (seed {seed})",
        )
    return created


@dataclass
class _Row:
    appointment_type: AppointmentType
    patient_id: int
    start: datetime
    end: datetime
    block_end: datetime
    status: str
    resources: list[int]


def _day(
    unit,
    day,
    today,
    now,
    practitioners,
    rooms,
    types,
    specs,
    weights,
    hours,
    patient_ids,
    rng,
) -> list[_Row]:
    occupancy = _occupancy(day, today)
    room_free: dict[int, datetime] = {}
    rows: list[_Row] = []
    for practitioner in practitioners:
        for block_start, block_end in hours.get(practitioner.pk, {}).get(day.weekday(), []):
            t = datetime.combine(day, block_start, tzinfo=LOCAL)
            stop = datetime.combine(day, block_end, tzinfo=LOCAL)
            while t < stop:
                index = rng.choices(range(len(specs)), weights)[0]
                spec, kind = specs[index], types[index]
                hold = timedelta(minutes=spec.minutes + spec.buffer)
                if t + hold > stop:
                    break
                if rng.random() > occupancy:
                    t += timedelta(minutes=15)
                    continue
                resources = [practitioner.pk]
                if spec.needs_room:
                    room = next((r for r in rooms if room_free.get(r.pk, t) <= t), None)
                    if room is None:
                        # No room free: this one becomes a phone consultation (no room).
                        phone = next((i for i, s in enumerate(specs) if not s.needs_room), None)
                        if phone is None:
                            t += timedelta(minutes=15)
                            continue
                        spec, kind = specs[phone], types[phone]
                        hold = timedelta(minutes=spec.minutes + spec.buffer)
                    else:
                        room_free[room.pk] = t + hold
                        resources.append(room.pk)
                status = AppointmentStatus.BOOKED
                if day == today and now - timedelta(hours=1) <= t <= now + timedelta(minutes=30):
                    # Today around now: the reception board has people in every state.
                    status = (
                        AppointmentStatus.FINISHED
                        if t + hold < now
                        else AppointmentStatus.IN_PROGRESS
                        if t <= now
                        else rng.choice([AppointmentStatus.ARRIVED, AppointmentStatus.BOOKED])
                    )
                elif t + hold < now:
                    roll = rng.random()
                    status = (
                        AppointmentStatus.NO_SHOW
                        if roll < 0.03
                        else AppointmentStatus.CANCELLED
                        if roll < 0.08
                        else AppointmentStatus.FINISHED
                    )
                elif rng.random() < 0.04:
                    status = AppointmentStatus.CANCELLED
                rows.append(
                    _Row(
                        kind,
                        rng.choice(patient_ids),
                        t,
                        t + timedelta(minutes=spec.minutes),
                        t + hold,
                        status,
                        resources,
                    )
                )
                t += hold
    return rows


APPOINTMENT_COLUMNS = (
    "id", "public_id", "organisation_id", "unit_id", "appointment_type_id", "patient_id",
    "start", "end", "block_end", "status", "session_key", "is_overbooked", "booked_via",
    "cancel_reason", "note", "created_at",
)  # fmt: skip
HOLD_COLUMNS = (
    "id", "organisation_id", "appointment_id", "resource_id", "start", "block_end",
    "session_key", "holds_time", "is_overbooked",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "organisation_id", "appointment_id", "at", "kind", "from_status", "to_status",
    "reason",
)  # fmt: skip


def _insert_day(org_id: int, rows: list[_Row], now: datetime) -> None:
    if not rows:
        return
    stamp = db_datetime(now)
    ids = reserve_ids(Appointment, len(rows))
    appointments, holds, events = [], [], []
    for pk, row in zip(ids, rows, strict=True):
        session = db_uuid(uuid.uuid4())
        start, end = db_datetime(row.start), db_datetime(row.end)
        block_end = db_datetime(row.block_end)
        cancelled = row.status == AppointmentStatus.CANCELLED
        appointments.append(
            (pk, db_uuid(uuid.uuid4()), org_id, row.appointment_type.unit_id,
             row.appointment_type.pk, row.patient_id, start, end, block_end, row.status,
             session, False, "staff", "Aflyst" if cancelled else "", "", stamp)
        )  # fmt: skip
        holds.extend(
            (org_id, pk, resource_id, start, block_end, session, not cancelled, False)
            for resource_id in row.resources
        )
        events.append((org_id, pk, stamp, "booked", "", "booked", ""))
    bulk_insert(Appointment, APPOINTMENT_COLUMNS, appointments)
    hold_ids = reserve_ids(AppointmentResource, len(holds))
    bulk_insert(
        AppointmentResource,
        HOLD_COLUMNS,
        [(hid, *hold) for hid, hold in zip(hold_ids, holds, strict=True)],
    )
    event_ids = reserve_ids(AppointmentEvent, len(events))
    bulk_insert(
        AppointmentEvent,
        EVENT_COLUMNS,
        [(eid, *event) for eid, event in zip(event_ids, events, strict=True)],
    )
