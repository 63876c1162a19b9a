"""The schedule generator: a day as dense as a busy practice (about 40 bookings of 10-30
minutes per practitioner on a full day), rooms shared through the day, never an overlapping
hold, and cancelled times given to another patient."""

import itertools
from collections import Counter, defaultdict

import pytest
from django.utils import timezone

from klinik.demo.schedule import (
    GP_TYPES,
    HoursSpec,
    generate_schedule,
    resources_create,
    types_create,
)
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.choices import ACTIVE_STATUSES, AppointmentStatus
from klinik.scheduling.models import Appointment, AppointmentResource

PRACTITIONERS = 6
ROOMS = 3


@pytest.fixture
def generated(world):
    for _ in range(30):
        PatientFactory(unit=world.unit_a)
    practitioners, rooms = resources_create(
        unit=world.unit_a,
        practitioners=[(f"Behandler {i}", None) for i in range(PRACTITIONERS)],
        rooms=[f"Rum {i}" for i in range(ROOMS)],
    )
    types = types_create(unit=world.unit_a, specs=GP_TYPES)
    created = generate_schedule(
        unit=world.unit_a,
        practitioners=practitioners,
        rooms=rooms,
        types=types,
        specs=GP_TYPES,
        days_back=10,
        days_ahead=10,
        seed=3,
    )
    return created, practitioners, rooms


def test_full_days_hold_about_forty_bookings_per_practitioner(generated):
    created, practitioners, _rooms = generated
    assert Appointment.objects.count() == created
    today = timezone.localdate()
    per_day: Counter = Counter()
    # Whole past days only: counting a sliding 24 hours back would cut yesterday in two.
    for start in Appointment.objects.values_list("start", flat=True):
        day = timezone.localtime(start, LOCAL).date()
        if day < today:
            per_day[day] += 1
    assert per_day, "the past days have bookings"
    for day, count in per_day.items():
        assert 34 <= count / len(practitioners) <= 48, (day, count)
    minutes = {
        a.appointment_type.duration_minutes
        for a in Appointment.objects.select_related("appointment_type")
    }
    assert min(minutes) >= 10 and max(minutes) <= 30


def test_rooms_are_shared_and_no_resource_is_held_twice_at_once(generated):
    _created, _practitioners, rooms = generated
    holds = defaultdict(list)
    for hold in AppointmentResource.objects.filter(holds_time=True):
        holds[hold.resource_id].append((hold.start, hold.block_end))
    for spans in holds.values():
        spans.sort()
        for (_s1, end), (start, _e2) in itertools.pairwise(spans):
            assert end <= start
    # Each room is used by several practitioners in a day (handed out in time order).
    by_room_day = defaultdict(set)
    for hold in AppointmentResource.objects.filter(resource__in=rooms).select_related(
        "appointment"
    ):
        practitioner = (
            AppointmentResource.objects.filter(appointment=hold.appointment_id)
            .exclude(resource__in=rooms)
            .values_list("resource_id", flat=True)
            .first()
        )
        by_room_day[(hold.resource_id, timezone.localtime(hold.start, LOCAL).date())].add(
            practitioner
        )
    assert max(len(users) for users in by_room_day.values()) > 1


def test_cancelled_times_are_mostly_given_to_another_patient(generated):
    cancelled = Appointment.objects.filter(status=AppointmentStatus.CANCELLED)
    assert cancelled.exists()
    refilled = sum(
        Appointment.objects.filter(
            unit=a.unit_id, start=a.start, status__in=ACTIVE_STATUSES
        ).exists()
        for a in cancelled
    )
    assert refilled > cancelled.count() / 2
    assert not AppointmentResource.objects.filter(
        appointment__status=AppointmentStatus.CANCELLED, holds_time=True
    ).exists()


def test_thursday_is_the_late_day():
    hours = HoursSpec()
    assert hours.blocks_on(3)[-1][1].hour == 18
    assert hours.blocks_on(2)[-1][1].hour == 17
