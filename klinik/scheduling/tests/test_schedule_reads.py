"""A day's schedule is read with its holds in one statement (issue 12); a sliced read keeps
its holds whole."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from klinik.core.choices import Role
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.schedule import appointments_between, patient_appointments
from klinik.scheduling.tests.factories import at, clinic_create, next_workday
from klinik.scheduling.transitions import appointment_cancel


def test_a_practitioners_day_is_one_read_with_every_hold(world, clinic, actor):
    day = next_workday()
    doctor = clinic.doctors[0]
    booked = [
        appointment_book(
            actor=actor,
            patient=world.patient_a,
            appointment_type=clinic.consultation,
            start=at(day, hour),
            practitioner=doctor,
        )
        for hour in (9, 10)
    ]
    appointment_book(
        actor=actor,
        patient=world.patient_a,
        appointment_type=clinic.phone,
        start=at(day, 11),
        practitioner=doctor,
    )
    with CaptureQueriesContext(connection) as captured:
        found = appointments_between(
            actor=actor, first=day, unit_id=clinic.unit.pk, resource_ids=[doctor.pk]
        )
    reads = [q["sql"] for q in captured.captured_queries if "scheduling_appointment" in q["sql"]]
    assert len(reads) == 1, reads
    assert [a.public_id for a in found] == [*(b.public_id for b in booked), found[2].public_id]
    assert [[h.resource.kind for h in a.holds] for a in found] == [
        ["practitioner", "room"],
        ["practitioner", "room"],
        ["practitioner"],
    ]
    assert all(a.holds[0].resource.public_id == doctor.public_id for a in found)
    assert found[0].patient.name == world.patient_a.name


def test_a_patients_first_appointments_keep_their_holds(world, clinic, actor):
    """The limit counts appointments, not the rows of their holds; another patient's are
    not among them."""
    day = next_workday()
    booked = [
        appointment_book(
            actor=actor,
            patient=world.patient_a,
            appointment_type=clinic.consultation,
            start=at(day, hour),
        )
        for hour in (11, 9, 10)
    ]
    appointment_book(
        actor=actor,
        patient=world.patient_a2,
        appointment_type=clinic.consultation,
        start=at(day, 8),
    )
    first_two = patient_appointments(patient_id=world.patient_a.pk, limit=2)
    assert [a.public_id for a in first_two] == [booked[1].public_id, booked[2].public_id]
    assert all(len(a.holds) == 2 for a in first_two)


def test_a_day_keeps_to_the_unit_the_organisation_and_the_cancelled_as_asked(
    world, clinic, actor, actor_for
):
    day = next_workday()
    other_unit = clinic_create(world.unit_a2)
    foreign = clinic_create(world.unit_b)
    kept = appointment_book(
        actor=actor,
        patient=world.patient_a,
        appointment_type=clinic.phone,
        start=at(day, 9),
        practitioner=clinic.doctors[0],
    )
    cancelled = appointment_book(
        actor=actor,
        patient=world.patient_a,
        appointment_type=clinic.phone,
        start=at(day, 10),
        practitioner=clinic.doctors[1],
    )
    appointment_cancel(actor=actor, appointment=cancelled, reason="Syg", notify=False)
    elsewhere = appointment_book(
        actor=actor,
        patient=world.patient_a2,
        appointment_type=other_unit.phone,
        start=at(day, 9),
    )
    appointment_book(
        actor=actor_for(world.member(Role.SECRETARY, unit=world.unit_b)),
        patient=world.patient_b,
        appointment_type=foreign.phone,
        start=at(day, 9),
    )

    def ids(**kwargs):
        return {a.public_id for a in appointments_between(actor=actor, first=day, **kwargs)}

    assert ids() == {kept.public_id, elsewhere.public_id}  # never org B's
    assert ids(unit_id=clinic.unit.pk) == {kept.public_id}
    assert ids(unit_id=clinic.unit.pk, include_cancelled=True) == {
        kept.public_id,
        cancelled.public_id,
    }
    assert ids(resource_ids=[clinic.doctors[1].pk], include_cancelled=True) == {cancelled.public_id}
    assert ids(resource_ids=[d.pk for d in clinic.doctors]) == {kept.public_id}
    assert ids(resource_ids=[]) == set()
    assert ids(unit_id=clinic.unit.pk, days=0) == set()
    found = appointments_between(actor=actor, first=day, unit_id=clinic.unit.pk)[0]
    assert (found.start, found.end, found.status) == (kept.start, kept.end, "booked")
    assert (found.unit.name, found.appointment_type.name) == (
        world.unit_a.name,
        "Telefonkonsultation",
    )
