"""Contacts follow the reception board: arrival opens one (with the booked practitioner as
responsible), finishing closes it, undoing the arrival removes it unless something was written
on it. Plus contacts opened by hand (phone, video) and closing them."""

from __future__ import annotations

import pytest

from klinik.records.choices import ContactKind
from klinik.records.errors import RecordError
from klinik.records.journal.selectors import contacts_of_patient
from klinik.records.journal.services import contact_close, journal_draft_save
from klinik.records.models import Contact, JournalEntry
from klinik.records.tests.factories import contact_start, entry_write
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.tests.factories import at, clinic_create, next_workday
from klinik.scheduling.transitions import appointment_set_status

S = AppointmentStatus


@pytest.fixture
def booked(record_world):
    """A consultation for the patient with the doctor (a practitioner resource of hers)."""
    rw = record_world
    clinic = clinic_create(rw.unit, doctors=1)
    practitioner = clinic.doctors[0]
    practitioner.user = rw.doctor.user
    practitioner.save(update_fields=["user"])
    return appointment_book(
        actor=rw.secretary_actor,
        patient=rw.patient,
        appointment_type=clinic.consultation,
        start=at(next_workday(), 9),
        practitioner=practitioner,
    )


def _status(record_world, appointment, status):
    return appointment_set_status(
        actor=record_world.secretary_actor, appointment=appointment, status=status
    )


def test_arrival_opens_a_contact_and_finishing_closes_it(record_world, booked):
    rw = record_world
    assert not Contact.objects.exists()

    _status(rw, booked, S.ARRIVED)
    contact = Contact.objects.get(appointment=booked)
    assert contact.is_open
    assert contact.patient == rw.patient
    assert contact.unit == rw.unit
    assert contact.kind == ContactKind.PHYSICAL
    assert contact.responsible == rw.doctor.user
    assert contact.reason == "Konsultation"
    assert contact.created_by == rw.secretary.user

    _status(rw, booked, S.IN_PROGRESS)
    assert Contact.objects.count() == 1
    _status(rw, booked, S.FINISHED)
    contact.refresh_from_db()
    assert not contact.is_open
    assert contact.ended_at >= contact.started_at


def test_undoing_finished_reopens_the_contact(record_world, booked):
    _status(record_world, booked, S.ARRIVED)
    _status(record_world, booked, S.FINISHED)
    _status(record_world, booked, S.IN_PROGRESS)
    assert Contact.objects.get(appointment=booked).is_open


def test_undoing_the_arrival_removes_an_unused_contact(record_world, booked):
    _status(record_world, booked, S.ARRIVED)
    assert Contact.objects.filter(appointment=booked).exists()
    _status(record_world, booked, S.BOOKED)
    assert not Contact.objects.exists()
    # Arriving again opens a fresh one.
    _status(record_world, booked, S.ARRIVED)
    assert Contact.objects.filter(appointment=booked).count() == 1


def test_undoing_the_arrival_keeps_a_contact_with_entries(record_world, booked):
    rw = record_world
    _status(rw, booked, S.ARRIVED)
    contact = Contact.objects.get(appointment=booked)
    entry_write(rw.nurse_actor, rw.patient, "BT 120/80", contact=contact)
    _status(rw, booked, S.BOOKED)
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert JournalEntry.objects.get().contact == contact


def test_undoing_the_arrival_keeps_a_contact_someone_is_drafting_on(record_world, booked):
    rw = record_world
    _status(rw, booked, S.ARRIVED)
    contact = Contact.objects.get(appointment=booked)
    journal_draft_save(actor=rw.doctor_actor, patient=rw.patient, contact=contact, text="halvt")

    _status(rw, booked, S.BOOKED)  # must not fail on the draft's reference

    assert Contact.objects.filter(pk=contact.pk).exists()


def test_entry_written_on_an_arrival_contact_is_for_the_booked_doctor(record_world, booked):
    rw = record_world
    _status(rw, booked, S.ARRIVED)
    contact = Contact.objects.get(appointment=booked)
    entry = entry_write(rw.secretary_actor, rw.patient, "Ankommet, fastende", contact=contact)
    assert entry.responsible == rw.doctor.user
    assert entry.needs_signature


def test_contact_opened_by_hand_and_closed(record_world):
    rw = record_world
    contact = contact_start(rw.doctor_actor, rw.patient, kind=ContactKind.PHONE, reason="Svar")
    assert contact.responsible == rw.doctor.user
    assert contact.unit == rw.unit
    assert [c.pk for c in contacts_of_patient(patient=rw.patient)] == [contact.pk]

    closed = contact_close(actor=rw.doctor_actor, contact=contact)
    assert closed.ended_at is not None
    with pytest.raises(RecordError) as caught:
        contact_close(actor=rw.doctor_actor, contact=contact)
    assert caught.value.code == "contact_closed"


def test_contact_of_unknown_kind_is_refused(record_world):
    with pytest.raises(RecordError) as caught:
        contact_start(record_world.doctor_actor, record_world.patient, kind="telepathy")
    assert caught.value.field == "kind"
    assert not Contact.objects.exists()


def test_entry_on_another_patients_contact_is_refused(record_world):
    rw = record_world
    from klinik.patients.tests.factories import PatientFactory

    neighbour = PatientFactory(unit=rw.unit)
    theirs = contact_start(rw.doctor_actor, neighbour)
    with pytest.raises(RecordError) as caught:
        entry_write(rw.doctor_actor, rw.patient, contact=theirs)
    assert caught.value.field == "contact"
    assert not JournalEntry.objects.exists()
