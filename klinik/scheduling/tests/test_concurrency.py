"""No double booking under fire: many processes book the same slots at once; each slot is
booked exactly once and every other attempt gets a clean refusal."""

import multiprocessing
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from klinik.core.choices import Role
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.models import Appointment
from klinik.scheduling.tests import booking_worker
from klinik.scheduling.tests.factories import at, clinic_create, next_workday

PROCESSES = 4
SLOTS = 3
ATTEMPTS_PER_SLOT = 12


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_from_several_processes_never_double_book(world):
    clinic = clinic_create(world.unit_a, doctors=1)
    membership = world.member(Role.SECRETARY)
    patients = [PatientFactory(unit=world.unit_a) for _ in range(ATTEMPTS_PER_SLOT)]
    day = next_workday()
    jobs = [
        {
            "membership": membership.pk,
            "patient": patients[i].pk,
            "type": clinic.phone.pk,
            "start": (at(day, 9) + timedelta(minutes=15 * slot)).isoformat(),
            "practitioner": clinic.doctors[0].pk,
        }
        for i in range(ATTEMPTS_PER_SLOT)
        for slot in range(SLOTS)
    ]
    context = multiprocessing.get_context("spawn")
    with context.Pool(
        PROCESSES,
        initializer=booking_worker.setup,
        initargs=(connection.settings_dict["NAME"], timezone.now().isoformat()),
    ) as pool:
        outcomes = Counter(pool.map(booking_worker.attempt, jobs, chunksize=1))

    assert outcomes == {"ok": SLOTS, "taken": SLOTS * (ATTEMPTS_PER_SLOT - 1)}
    booked = Appointment.objects.filter(appointment_type=clinic.phone)
    assert booked.count() == SLOTS
    assert len({a.start for a in booked}) == SLOTS


@pytest.mark.django_db
def test_the_database_itself_refuses_overlapping_holds(world):
    """PostgreSQL's exclusion constraint; SQLite relies on the service's locked check."""
    from django.db import IntegrityError, transaction

    from klinik.core.services import actor_from_membership
    from klinik.scheduling.booking import appointment_book
    from klinik.scheduling.models import AppointmentResource

    clinic = clinic_create(world.unit_a, doctors=1)
    actor = actor_from_membership(world.member(Role.SECRETARY))
    start = at(next_workday(), 9)
    first = appointment_book(
        actor=actor, patient=world.patient_a, appointment_type=clinic.phone, start=start
    )
    second = Appointment.objects.create(
        organisation_id=first.organisation_id,
        unit=first.unit,
        appointment_type=first.appointment_type,
        patient=world.patient_a2,
        start=first.start,
        end=first.end,
        block_end=first.block_end,
        booked_via="staff",
    )
    overlapping = AppointmentResource(
        organisation_id=first.organisation_id,
        appointment=second,
        resource=clinic.doctors[0],
        start=start + timedelta(minutes=5),
        block_end=start + timedelta(minutes=15),
        session_key=second.session_key,
    )
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no exclusion constraints")
    with pytest.raises(IntegrityError), transaction.atomic():
        overlapping.save()


@pytest.mark.django_db(transaction=True)
def test_concurrent_acceptances_of_one_waiting_list_offer_book_it_once(world):
    """Every patient offered a freed time accepts at the same moment, from separate
    processes: one gets it, the others are told it is no longer available."""
    import re

    from klinik.core.services import actor_from_membership
    from klinik.correspondence.models import OutboxMessage
    from klinik.correspondence.tests.helpers import plan_notices, reachable_by
    from klinik.scheduling.booking import appointment_book
    from klinik.scheduling.models import UnitSchedule
    from klinik.scheduling.transitions import appointment_cancel
    from klinik.scheduling.waitlist import waitlist_add

    clinic = clinic_create(world.unit_a, doctors=1)
    UnitSchedule.objects.filter(unit=world.unit_a).update(waitlist_offer_count=6)
    actor = actor_from_membership(world.member(Role.SECRETARY))
    day = next_workday()
    freed = appointment_book(
        actor=actor, patient=world.patient_a, appointment_type=clinic.phone, start=at(day, 9)
    )
    for _ in range(6):
        patient = reachable_by(PatientFactory(unit=world.unit_a), sms=True)
        waitlist_add(actor=actor, patient=patient, appointment_type=clinic.phone)
    appointment_cancel(actor=actor, appointment=freed, reason="Afbud")
    plan_notices()  # the worker offers the freed time
    bodies = OutboxMessage.objects.filter(kind="waitlist_offer").values_list("body", flat=True)
    tokens = [re.search(r"/venteliste/([\w-]+)/", body).group(1) for body in bodies]
    assert len(tokens) == 6
    context = multiprocessing.get_context("spawn")
    with context.Pool(
        PROCESSES,
        initializer=booking_worker.setup,
        initargs=(connection.settings_dict["NAME"], timezone.now().isoformat()),
    ) as pool:
        jobs = [{"unit": world.unit_a.pk, "token": token} for token in tokens]
        outcomes = Counter(pool.map(booking_worker.waitlist_accept, jobs, chunksize=1))

    assert outcomes == {"ok": 1, "waitlist_unavailable": 5}
    assert Appointment.objects.filter(start=at(day, 9), status="booked").count() == 1
