"""Synthetic schedules: resources, hours, appointment types and a period of bookings.

`generate_schedule` fills a unit the way a busy general practice looks: past days full (mostly
finished, some no-shows, cancelled times mostly given to another patient), the coming weeks
nearly full, months ahead mostly booked with controls and check-ups. The practitioners' days
are walked together in time order, so the rooms are shared through the day as at a real
reception; when a patient would need a room while all are taken, the practitioner has a short
consultation in their own office or a phone consultation instead.

Density: a working day of 08:00-17:00 (Thursdays to 18:00) with half an hour for lunch holds
about 40 bookings of
10-30 minutes per practitioner (with 20 shared rooms for 50 practitioners, most of them short
and phone consultations), and `klinik generate schedule` (50 practitioners, 20 rooms, half a year
back and ahead, about 255 working days) makes about 500,000 appointments.

Bookings are laid out without overlaps by construction and inserted in bulk (bulk.py), so the
exclusion constraint on PostgreSQL accepts them and slot search sees realistic gaps.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from klinik.core.models import Unit, User
from klinik.demo.bulk import (
    Turns,
    bulk_insert,
    bulk_log,
    bulk_log_interrupted,
    db_datetime,
    db_uuid,
    reserve_ids,
)
from klinik.patients.models import Patient
from klinik.scheduling.availability import LOCAL, closed_days
from klinik.scheduling.choices import AppointmentStatus, Attendance, ResourceKind
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
    attendance: str = Attendance.IN_PERSON


GP_TYPES = [
    TypeSpec(
        "Konsultation",
        15,
        5,
        True,
        0.30,
        True,
        "#4a90d9",
        preparation="Medbring en liste over den medicin, du tager.",
    ),
    # Blood pressure, an injection, stitches out: ten minutes in the practitioner's own office.
    TypeSpec("Kort konsultation", 10, 0, False, 0.25, False, "#4ab0c9"),
    TypeSpec(
        "Telefonkonsultation", 10, 0, False, 0.30, False, "#7cb342", attendance=Attendance.PHONE
    ),
    TypeSpec("Længere konsultation", 30, 5, True, 0.07, False, "#8e6bbf"),
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
    """Working hours: the same blocks every weekday, the last one longer on the late day (a
    Danish practice's evening consultation)."""

    blocks: tuple[tuple[time, time], ...] = ((time(8), time(12)), (time(12, 30), time(17)))
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    late_weekday: int | None = 3  # Thursday
    late_until: time = time(18)

    def blocks_on(self, weekday: int) -> tuple[tuple[time, time], ...]:
        if weekday != self.late_weekday or not self.blocks:
            return self.blocks
        *earlier, (start, end) = self.blocks
        return (*earlier, (start, max(end, self.late_until)))


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
                    for start, end in hours.blocks_on(weekday)
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
                "attendance": spec.attendance,
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


# A time nobody booked is one short slot; how full the past is; the statuses of past and
# coming appointments.
GAP_MINUTES = 10
OCCUPANCY_PAST = 0.97
NO_SHOW_PAST = 0.03
CANCELLED_PAST = 0.08
CANCELLED_AHEAD = 0.06
# Of the times cancelled ahead, the share the reception gave to another patient.
REFILLED_PAST = 0.85
REFILLED_AHEAD = 0.6


def _occupancy(day: date, today: date) -> float:
    """How full a day is: the past full, the next two weeks nearly so, then thinning out to
    controls, annual check-ups and series two months ahead."""
    ahead = (day - today).days
    if ahead < 0:
        return OCCUPANCY_PAST
    if ahead < 14:
        return 0.92
    if ahead < 56:
        return 0.8
    return 0.5


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
    # Reads better whole: the generator's steps in order (plan, lay out, write in turns).
    rng = random.Random(seed)
    # A unit books its own patients (and those of no unit); a unit without any books the
    # organisation's. Booking another unit's patient would make a care relation there.
    active = Patient.objects.filter(organisation_id=unit.organisation_id, status="active")
    patient_ids = list(
        active.filter(Q(unit=unit) | Q(unit__isnull=True)).values_list("id", flat=True)[:200_000]
    ) or list(active.values_list("id", flat=True)[:200_000])
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
    plan = _Plan(
        today=today,
        now=timezone.now(),
        practitioners=practitioners,
        rooms=rooms,
        types=types,
        specs=specs,
        cum_weights=list(itertools.accumulate(s.share for s in specs)),
        hours=hours,
        patient_ids=patient_ids,
        rng=rng,
    )
    plan.fallback = [i for i, spec in enumerate(specs) if not spec.needs_room]
    plan.fallback_cum_weights = list(itertools.accumulate(specs[i].share for i in plan.fallback))
    now = plan.now
    created = 0
    org_id = unit.organisation_id
    committed = 0
    try:
        # In turns (bulk.Turns): the running clinic writes in between.
        with Turns() as turns:
            day = first
            while day <= last:
                if day not in closed:
                    rows = _day(plan, day)
                    _insert_day(org_id, rows, now)
                    created += len(rows)
                    if turns.take_turn():
                        committed = created
                    if progress is not None:
                        progress(len(rows))
                day += timedelta(days=1)
            bulk_log(
                object_type="synthetic_schedule",
                organisation_id=org_id,
                reason=f"{created} synthetic appointments (seed {seed})",
            )
    except BaseException:
        if committed:
            bulk_log_interrupted(
                object_type="synthetic_schedule",
                organisation_id=org_id,
                reason=f"{committed} synthetic appointments (seed {seed}), interrupted",
            )
        raise
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


@dataclass
class _Plan:
    """What every day of one run shares."""

    today: date
    now: datetime
    practitioners: Sequence[Resource]
    rooms: Sequence[Resource]
    types: Sequence[AppointmentType]
    specs: Sequence[TypeSpec]
    cum_weights: list[float]
    hours: dict[int, dict[int, list[tuple[time, time]]]]
    patient_ids: list[int]
    rng: random.Random
    # The types booked instead when no room is free (those that need none), by their shares.
    fallback: list[int] = field(default_factory=list)
    fallback_cum_weights: list[float] = field(default_factory=list)

    # Per type, in the specs' order: how long it lasts and how long it holds its resources.
    durations: list[timedelta] = field(default_factory=list)
    holds: list[timedelta] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.durations = [timedelta(minutes=spec.minutes) for spec in self.specs]
        self.holds = [timedelta(minutes=spec.minutes + spec.buffer) for spec in self.specs]

    def pick(self, cum_weights: list[float], choices: Sequence[int] | None = None) -> int:
        index = bisect.bisect(cum_weights, self.rng.random() * cum_weights[-1])
        return choices[index] if choices is not None else index

    def patient(self) -> int:
        return self.patient_ids[int(self.rng.random() * len(self.patient_ids))]


def _day(plan: _Plan, day: date) -> list[_Row]:
    """One day of bookings, laid out without overlaps.

    The practitioners' days are walked together in time order (the earliest free practitioner
    books next), so the shared rooms are handed out as at a real reception: the first room free
    at that moment, or, when every room is taken, a consultation that needs none.
    """
    rng = plan.rng
    occupancy = _occupancy(day, plan.today)
    weekday = day.weekday()
    # (free from, practitioner index, block index): a heap of who books next.
    queue: list[tuple[datetime, int, int]] = []
    blocks: list[list[tuple[datetime, datetime]]] = []
    for index, practitioner in enumerate(plan.practitioners):
        spans = [
            (
                datetime.combine(day, block_start, tzinfo=LOCAL),
                datetime.combine(day, block_end, tzinfo=LOCAL),
            )
            for block_start, block_end in sorted(
                plan.hours.get(practitioner.pk, {}).get(weekday, [])
            )
        ]
        blocks.append(spans)
        if spans:
            queue.append((spans[0][0], index, 0))
    heapq.heapify(queue)
    # (free from, order, room id): the room free soonest (of those free, the first) on top.
    first_start = datetime.combine(day, time.min, tzinfo=LOCAL)
    rooms = [(first_start, order, room.pk) for order, room in enumerate(plan.rooms)]
    practitioner_ids = [practitioner.pk for practitioner in plan.practitioners]
    needs_room = [spec.needs_room for spec in plan.specs]
    rows: list[_Row] = []
    gap = timedelta(minutes=GAP_MINUTES)
    shortest = min(plan.holds)
    while queue:
        t, index, block = heapq.heappop(queue)
        stop = blocks[index][block][1]
        kind_index = plan.pick(plan.cum_weights)
        hold = plan.holds[kind_index]
        if t + hold > stop:
            t = stop  # too long for what is left of the block
        elif rng.random() > occupancy:
            t += gap  # nobody booked this time
        else:
            resources = [practitioner_ids[index]]
            room = None
            if needs_room[kind_index]:
                if rooms and rooms[0][0] <= t:
                    room = heapq.heappop(rooms)
                    resources.append(room[2])
                elif plan.fallback:
                    # Every room is taken: a consultation that needs none.
                    kind_index = plan.pick(plan.fallback_cum_weights, plan.fallback)
                    hold = plan.holds[kind_index]
                else:
                    resources = []
            if not resources:
                t += gap
            elif t + hold > stop:
                t = stop  # the consultation instead is too long for the rest of the block
            else:
                if room is not None:
                    heapq.heappush(rooms, (t + hold, room[1], room[2]))
                rows.extend(_booked(plan, day, kind_index, t, hold, resources))
                t += hold
        if t + shortest > stop:
            block += 1
            if block == len(blocks[index]):
                continue  # the practitioner's day is over
            t = max(t, blocks[index][block][0])
        heapq.heappush(queue, (t, index, block))
    return rows


def _booked(
    plan: _Plan, day: date, kind_index: int, t: datetime, hold: timedelta, resources: list[int]
) -> list[_Row]:
    """The appointment at t, and (when it was cancelled ahead and the time given to someone
    else, as receptions do) the one that replaced it."""
    rng, now = plan.rng, plan.now
    kind = plan.types[kind_index]
    end = t + plan.durations[kind_index]

    def row(status: str) -> _Row:
        return _Row(kind, plan.patient(), t, end, t + hold, status, resources)

    if day == plan.today and now - timedelta(hours=1) <= t <= now + timedelta(minutes=30):
        # Today around now: the reception board has people in every state.
        status = (
            AppointmentStatus.FINISHED
            if t + hold < now
            else AppointmentStatus.IN_PROGRESS
            if t <= now
            else rng.choice([AppointmentStatus.ARRIVED, AppointmentStatus.BOOKED])
            if kind.attendance == Attendance.IN_PERSON
            else AppointmentStatus.BOOKED  # a call is not waited for in the waiting room
        )
        return [row(status)]
    roll = rng.random()
    if t + hold < now:
        if roll < NO_SHOW_PAST:
            return [row(AppointmentStatus.NO_SHOW)]
        if roll < NO_SHOW_PAST + CANCELLED_PAST:
            cancelled = row(AppointmentStatus.CANCELLED)
            if rng.random() < REFILLED_PAST:
                return [cancelled, row(AppointmentStatus.FINISHED)]
            return [cancelled]
        return [row(AppointmentStatus.FINISHED)]
    if roll < CANCELLED_AHEAD:
        cancelled = row(AppointmentStatus.CANCELLED)
        if rng.random() < REFILLED_AHEAD:
            return [cancelled, row(AppointmentStatus.BOOKED)]
        return [cancelled]
    return [row(AppointmentStatus.BOOKED)]


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
    "to_start", "reason",
)  # fmt: skip


def _insert_day(org_id: int, rows: list[_Row], now: datetime) -> None:
    if not rows:
        return
    stamp = db_datetime(now)
    ids = reserve_ids(Appointment, len(rows))
    appointments: list[tuple[Any, ...]] = []
    holds: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
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
        events.append((org_id, pk, stamp, "booked", "", "booked", start, ""))
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
