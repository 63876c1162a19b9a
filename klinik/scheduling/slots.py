"""The slot search engine: the first free times at which every resource a type needs is
free, inside working hours, respecting bookings and buffers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from klinik.scheduling.availability import LOCAL, Availability, load_availability
from klinik.scheduling.choices import ResourceKind
from klinik.scheduling.models import AppointmentType, Resource, TypeRequirement, UnitSchedule

# Days loaded at a time grow 1, 2, 4, 7, 7, ...: most searches end on the first day loaded,
# and sparse weeks are crossed in few queries.
MAX_CHUNK_DAYS = 7


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    resources: tuple[Resource, ...]  # one per requirement, in requirement order

    @property
    def practitioner(self) -> Resource | None:
        return next((r for r in self.resources if r.kind == ResourceKind.PRACTITIONER), None)

    @property
    def others(self) -> list[Resource]:
        return [r for r in self.resources if r.kind != ResourceKind.PRACTITIONER]


def type_candidates(
    appointment_type: AppointmentType, practitioner: Resource | None = None
) -> list[list[Resource]]:
    """For each requirement of the type, the resources that may fill it (in preference order).
    A type without requirements needs one practitioner of its unit."""
    requirements = list(
        TypeRequirement.objects.filter(appointment_type=appointment_type).prefetch_related(
            "allowed"
        )
    ) or [TypeRequirement(appointment_type=appointment_type, kind=ResourceKind.PRACTITIONER)]
    unit_resources = list(
        Resource.objects.filter(unit_id=appointment_type.unit_id, is_active=True).order_by(
            "sort_order", "name"
        )
    )
    candidates = []
    for requirement in requirements:
        allowed = {r.pk for r in requirement.allowed.all()} if requirement.pk else set()
        pool = [
            r
            for r in unit_resources
            if r.kind == requirement.kind and (not allowed or r.pk in allowed)
        ]
        if practitioner is not None and requirement.kind == ResourceKind.PRACTITIONER:
            pool = [r for r in pool if r.pk == practitioner.pk]
        candidates.append(pool)
    return candidates


def pick_resources(
    availability: Availability,
    candidates: list[list[Resource]],
    start: datetime,
    hold_end: datetime,
) -> tuple[Resource, ...] | None:
    # The smallest pool first (usually the rooms): a busy time is rejected after few checks.
    order = sorted(range(len(candidates)), key=lambda i: len(candidates[i]))
    chosen: dict[int, Resource] = {}
    for index in order:
        taken = chosen.values()
        resource = next(
            (
                r
                for r in candidates[index]
                if r not in taken and availability.is_free(r.pk, start, hold_end)
            ),
            None,
        )
        if resource is None:
            return None
        chosen[index] = resource
    return tuple(chosen[i] for i in range(len(candidates)))


def find_slots(
    *,
    appointment_type: AppointmentType,
    start: datetime,
    end: datetime,
    practitioner: Resource | None = None,
    limit: int = 10,
    time_from: time | None = None,
    time_to: time | None = None,
) -> list[Slot]:
    """The first `limit` free slots between start and end (never in the past)."""
    now = timezone.now()
    start = max(start, now)
    if start >= end or limit < 1:
        return []
    candidates = type_candidates(appointment_type, practitioner)
    if any(not pool for pool in candidates):
        return []
    schedule = UnitSchedule.objects.filter(unit_id=appointment_type.unit_id).first()
    grid = timedelta(minutes=schedule.slot_minutes if schedule else 5)
    duration = timedelta(minutes=appointment_type.duration_minutes)
    hold = duration + timedelta(minutes=appointment_type.buffer_minutes)
    resources = [r for pool in candidates for r in pool]
    # The smallest pool's free time gives the candidate start times: a practitioner chosen by
    # name, or the rooms when any of 50 practitioners will do.
    lead = min(candidates, key=len)
    slots: list[Slot] = []
    first_day = timezone.localtime(start, LOCAL).date()
    last_day = timezone.localtime(end, LOCAL).date()
    day = first_day
    chunk = 1
    while day <= last_day and len(slots) < limit:
        chunk_end = min(day + timedelta(days=chunk - 1), last_day)
        chunk = min(chunk * 2, MAX_CHUNK_DAYS)
        availability = load_availability(
            resources=resources, schedule=schedule, first=day, last=chunk_end
        )
        starts = sorted(
            {
                t
                for resource in lead
                for span_start, span_end in availability.free(resource.pk)
                for t in _grid_times(span_start, span_end, grid, hold)
            }
        )
        for t in starts:
            if t < start or t + duration > end:
                continue
            local = timezone.localtime(t, LOCAL).time()
            if (time_from and local < time_from) or (time_to and local >= time_to):
                continue
            chosen = pick_resources(availability, candidates, t, t + hold)
            if chosen is not None:
                slots.append(Slot(t, t + duration, chosen))
                if len(slots) == limit:
                    break
        day = chunk_end + timedelta(days=1)
    return slots


def _grid_times(
    span_start: datetime, span_end: datetime, grid: timedelta, hold: timedelta
) -> list[datetime]:
    """Start times on the unit's grid (local clock) at which `hold` fits in the span."""
    local_start = timezone.localtime(span_start, LOCAL)
    midnight = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
    offset = (local_start - midnight) % grid
    t = span_start if not offset else span_start + (grid - offset)
    times = []
    while t + hold <= span_end:
        times.append(t)
        t += grid
    return times


def first_day(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=LOCAL)
    return datetime.combine(value, time.min, tzinfo=LOCAL)
