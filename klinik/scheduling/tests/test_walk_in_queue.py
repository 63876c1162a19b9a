"""Walk-in queue numbers are unique per unit and day, guaranteed by the database: desks that
register at the same moment (several processes) get distinct numbers, a number given by
another transaction while a walk-in is being registered is not given again, and the
database itself refuses a repeated number. A refused walk-in leaves nothing behind."""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.errors import BookingError
from klinik.scheduling.models import Appointment, AppointmentEvent
from klinik.scheduling.reception.selectors import reception_today
from klinik.scheduling.reception.services import walk_in_register
from klinik.scheduling.tests import booking_worker
from klinik.scheduling.tests.factories import at, clinic_create, next_workday

PROCESSES = 3
WALK_INS = 9


def booking_actor(world):
    return actor_from_membership(world.member(Role.SECRETARY))


@pytest.fixture
def moment(clock):
    """Ten in the morning on a working day, in this process."""
    return clock.set(at(next_workday(), 10))


@pytest.mark.django_db(transaction=True)
def test_walk_ins_registered_at_once_from_several_processes_get_distinct_numbers(world, moment):
    clinic = clinic_create(world.unit_a)
    membership = world.member(Role.SECRETARY)
    patients = [PatientFactory(unit=world.unit_a) for _ in range(WALK_INS)]
    jobs = [
        {
            "membership": membership.pk,
            "unit": world.unit_a.pk,
            "patient": str(patient.public_id),
            "type": str(clinic.phone.public_id),
            "now": moment.isoformat(),
        }
        for patient in patients
    ]
    context = multiprocessing.get_context("spawn")
    with context.Pool(
        PROCESSES,
        initializer=booking_worker.setup,
        initargs=(connection.settings_dict["NAME"], timezone.now().isoformat()),
    ) as pool:
        numbers = pool.map(booking_worker.walk_in, jobs, chunksize=1)

    assert sorted(numbers) == list(range(1, WALK_INS + 1)), numbers
    walk_ins = Appointment.objects.filter(unit=world.unit_a, queue_number__isnull=False)
    assert walk_ins.count() == WALK_INS
    assert {a.queue_day for a in walk_ins} == {reception_today()}
    assert all(a.status == AppointmentStatus.ARRIVED for a in walk_ins)


@pytest.mark.django_db(transaction=True)
def test_a_number_taken_meanwhile_by_another_transaction_is_not_given_again(world, moment):
    """Another connection writes number 1 and commits only while our walk-in is being
    registered: on PostgreSQL our first try collides with it on the unique constraint and is
    retried; on SQLite our transaction waits for the write lock. Either way: number 2."""
    clinic = clinic_create(world.unit_a)
    actor = booking_actor(world)
    other = PatientFactory(unit=world.unit_a)
    written = threading.Event()
    failures: list[BaseException] = []

    def hold_number_one() -> None:
        try:
            with transaction.atomic():
                Appointment.objects.create(
                    organisation_id=world.org_a.pk,
                    unit=world.unit_a,
                    appointment_type=clinic.phone,
                    patient=other,
                    start=moment,
                    end=moment + timedelta(minutes=10),
                    block_end=moment + timedelta(minutes=10),
                    booked_via="staff",
                    queue_number=1,
                    queue_day=reception_today(),
                    status=AppointmentStatus.ARRIVED,
                )
                written.set()
                time.sleep(0.5)  # our walk-in reads and writes meanwhile
        except BaseException as exc:  # reported to the test
            failures.append(exc)
            written.set()
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_number_one)
    holder.start()
    written.wait(timeout=10)
    appointment = walk_in_register(
        actor=actor,
        unit=world.unit_a,
        patient_public_id=world.patient_a.public_id,
        appointment_type_public_id=clinic.phone.public_id,
    )
    holder.join(timeout=10)
    assert not failures, failures
    assert appointment.queue_number == 2
    numbers = Appointment.objects.filter(unit=world.unit_a).values_list("queue_number", flat=True)
    assert sorted(numbers) == [1, 2]
    # One booking, one arrival: a retried first try left nothing behind.
    mine = AppointmentEvent.objects.filter(appointment=appointment).order_by("id")
    assert [(e.kind, e.to_status) for e in mine] == [("booked", "booked"), ("status", "arrived")]


@pytest.mark.django_db
def test_the_database_refuses_a_queue_number_given_twice_in_a_unit_and_day(world, moment):
    clinic = clinic_create(world.unit_a)
    first = walk_in_register(
        actor=booking_actor(world),
        unit=world.unit_a,
        patient_public_id=world.patient_a.public_id,
        appointment_type_public_id=clinic.phone.public_id,
    )
    assert (first.queue_number, first.queue_day) == (1, reception_today())
    twin = Appointment.objects.create(
        organisation_id=world.org_a.pk,
        unit=world.unit_a,
        appointment_type=clinic.phone,
        patient=world.patient_a2,
        start=first.start,
        end=first.end,
        block_end=first.block_end,
        booked_via="staff",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=twin.pk).update(queue_number=1, queue_day=first.queue_day)
    # A number without its day is refused too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=twin.pk).update(queue_number=7)


@pytest.mark.django_db
def test_a_refused_walk_in_writes_nothing(world, clock):
    """Outside the opening hours: no appointment, no number, no history (one transaction)."""
    clock.set(at(next_workday(), 18))
    clinic = clinic_create(world.unit_a)
    with pytest.raises(BookingError) as exc:
        walk_in_register(
            actor=booking_actor(world),
            unit=world.unit_a,
            patient_public_id=world.patient_a.public_id,
            appointment_type_public_id=clinic.phone.public_id,
        )
    assert exc.value.code == "outside_hours"
    assert not Appointment.objects.exists()
    assert not AppointmentEvent.objects.exists()
