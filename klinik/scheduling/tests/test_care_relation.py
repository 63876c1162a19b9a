"""A unit that has booked a patient treats them: no break the glass needed there."""

import pytest

from klinik.audit.choices import Channel
from klinik.core.choices import Role
from klinik.patients.access import access_patient
from klinik.patients.errors import BreakGlassRequired
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.tests.factories import at, clinic_create, next_workday
from klinik.scheduling.transitions import appointment_cancel


def test_a_booking_in_the_unit_gives_a_care_relation_until_cancelled(world, actor_for):
    clinic = clinic_create(world.unit_a)
    actor = actor_for(world.member(Role.SECRETARY))  # works in unit A
    other_units_patient = world.patient_a2
    with pytest.raises(BreakGlassRequired):
        access_patient(actor=actor, public_id=other_units_patient.public_id, channel=Channel.UI)

    appointment = appointment_book(
        actor=actor,
        patient=other_units_patient,
        appointment_type=clinic.consultation,
        start=at(next_workday(), 9),
    )
    seen = access_patient(actor=actor, public_id=other_units_patient.public_id, channel=Channel.UI)
    assert seen.pk == other_units_patient.pk

    appointment_cancel(actor=actor, appointment=appointment, reason="Aflyst")
    with pytest.raises(BreakGlassRequired):
        access_patient(actor=actor, public_id=other_units_patient.public_id, channel=Channel.UI)
