"""Slot search and availability: free time from hours, one-off openings, absences and holds."""

from datetime import timedelta

import pytest

from klinik.scheduling.availability import load_availability, subtract
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.models import Absence, ExtraOpening
from klinik.scheduling.slots import find_slots
from klinik.scheduling.tests.factories import at, next_workday


def _naive_subtract(spans, cuts):
    result = list(spans)
    for cut_start, cut_end in cuts:
        pieces = []
        for start, end in result:
            if cut_end <= start or cut_start >= end:
                pieces.append((start, end))
                continue
            if start < cut_start:
                pieces.append((start, cut_start))
            if cut_end < end:
                pieces.append((cut_end, end))
        result = pieces
    return result


@pytest.mark.parametrize(
    ("spans", "cuts"),
    [
        ([(0, 10)], [(2, 3), (5, 7)]),
        ([(0, 10)], [(5, 7), (2, 3)]),  # cuts in any order
        ([(0, 10)], [(2, 6), (4, 8)]),  # overlapping cuts
        ([(0, 10), (20, 30)], [(8, 22)]),  # one cut across two spans
        ([(20, 30), (0, 10)], [(0, 5), (25, 40)]),  # spans in any order
        ([(0, 10)], [(0, 10)]),
        ([(0, 10)], [(10, 12), (-5, 0)]),  # touching is not overlapping
        ([(0, 10)], []),
        ([], [(1, 2)]),
    ],
)
def test_subtract_takes_every_cut_out_of_every_span(spans, cuts):
    assert subtract(spans, cuts) == _naive_subtract(spans, cuts)


def test_back_to_back_bookings_are_one_busy_span(world, clinic, actor):
    day = next_workday()
    doctor = clinic.doctors[0]
    booked = [
        appointment_book(
            actor=actor,
            patient=world.patient_a,
            appointment_type=clinic.phone,
            start=at(day, 9, minute),
            practitioner=doctor,
        )
        for minute in (0, 10, 20, 40)
    ]
    availability = load_availability(resources=[doctor], schedule=None, first=day, last=day)
    assert availability.busy[doctor.pk] == [
        (at(day, 9), at(day, 9, 30)),
        (at(day, 9, 40), at(day, 9, 50)),
    ]
    moving = load_availability(
        resources=[doctor],
        schedule=None,
        first=day,
        last=day,
        ignore_appointment_id=booked[1].pk,
    )
    assert moving.busy[doctor.pk] == [
        (at(day, 9), at(day, 9, 10)),
        (at(day, 9, 20), at(day, 9, 30)),
        (at(day, 9, 40), at(day, 9, 50)),
    ]


def test_a_one_off_saturday_opening_is_searched(world, clinic):
    """Weekends are passed over unless someone opens on one."""
    friday = next_workday(weekday=4)
    saturday = friday + timedelta(days=1)
    doctor = clinic.doctors[0]
    for resource in (doctor, clinic.rooms[0]):
        ExtraOpening.objects.create(
            organisation_id=world.org_a.pk,
            resource=resource,
            start=at(saturday, 10),
            end=at(saturday, 12),
        )
    slots = find_slots(
        appointment_type=clinic.consultation,
        start=at(friday, 16),
        end=at(friday + timedelta(days=7), 16),
        practitioner=doctor,
        limit=1,
    )
    assert slots[0].start == at(saturday, 10)


def test_whole_unit_closures_and_absences_leave_no_slots(world, clinic):
    day = next_workday()
    Absence.objects.create(
        organisation_id=world.org_a.pk,
        unit=clinic.unit,
        resource=None,
        kind="closed",
        start=at(day, 0),
        end=at(day + timedelta(days=1), 0),
    )
    slots = find_slots(
        appointment_type=clinic.consultation, start=at(day, 8), end=at(day, 16), limit=1
    )
    assert slots == []
    later = find_slots(
        appointment_type=clinic.consultation,
        start=at(day, 8),
        end=at(day + timedelta(days=7), 16),
        limit=1,
    )
    assert later and later[0].start.date() > day
