"""Patients' messages and the self-service page (issue 15 items 5 and 7): the patient's signed
link opens a page where they ask for a renewal or write to the clinic; a secretary triages a
message to a clinician, who answers it; question and answer are kept in the record and the
patient is told an answer waits behind their link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from klinik.audit.models import AccessLogEntry
from klinik.core.services import actor_from_membership
from klinik.correspondence.choices import MessageKind
from klinik.correspondence.econsult.choices import PatientMessageStatus
from klinik.correspondence.econsult.errors import EconsultCode, EconsultError
from klinik.correspondence.econsult.services import (
    patient_message_answer,
    patient_message_receive,
    patient_message_to_renewal,
    patient_message_triage,
)
from klinik.correspondence.models import OutboxMessage, PatientMessage, Renewal
from klinik.correspondence.renewals.choices import RenewalSource, RenewalStatus
from klinik.correspondence.selfservice.links import selfservice_token
from klinik.records.models import JournalEntry
from klinik.records.tests.factories import record_world_create
from klinik.worklist.selectors import WorklistFilter, worklist_page

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


@pytest.fixture
def rw(world, clock):
    clock.set(NOW)
    return record_world_create(world)


@pytest.fixture
def link(rw):
    return f"/selvbetjening/{selfservice_token(rw.patient)}/"


def test_the_patient_writes_and_asks_for_a_renewal_behind_the_link(rw, client, link):
    page = client.get(link)
    assert page.status_code == 200
    body = page.content.decode()
    assert rw.patient.given_name in body and rw.patient.cpr not in body
    assert AccessLogEntry.objects.filter(
        object_type="selfservice", patient_id=rw.patient.public_id, purpose="patient_request"
    ).exists()
    sent = client.post(link, {"message": "1", "subject": "Udslæt", "text": "Jeg har fået udslæt."})
    assert sent.status_code == 302 and sent["Location"].endswith("?sent=message")
    message = PatientMessage.objects.get()
    assert (message.patient, message.status, message.unit) == (
        rw.patient,
        PatientMessageStatus.NEW,
        rw.unit,
    )
    client.post(link, {"renewal": "1", "medication": "Furix 40 mg", "request_text": ""})
    renewal = Renewal.objects.get()
    assert (renewal.source, renewal.status, renewal.created_by) == (
        RenewalSource.SELF_SERVICE,
        RenewalStatus.REQUESTED,
        None,
    )
    empty = client.post(link, {"message": "1", "subject": "", "text": ""})
    assert empty.status_code == 422
    assert PatientMessage.objects.count() == 1


def test_a_changed_or_old_link_opens_nothing(rw, client, link, clock):
    token = selfservice_token(rw.patient)
    assert client.get(f"/selvbetjening/{token[:-2]}xx/").status_code == 404
    clock.advance(days=91)
    response = client.get(link)
    assert response.status_code == 404
    assert rw.patient.given_name not in response.content.decode()
    assert client.post(link, {"message": "1", "subject": "a", "text": "b"}).status_code == 404
    assert not PatientMessage.objects.exists()


def test_triaged_answered_kept_in_the_record_and_the_patient_told(rw):
    secretary = actor_from_membership(rw.secretary)
    doctor = actor_from_membership(rw.doctor)
    rw.patient.email, rw.patient.consent_email = "alma@example.dk", True
    rw.patient.save()
    message = patient_message_receive(patient=rw.patient, subject="Udslæt", text="Det klør.")
    page = worklist_page(actor=secretary, chosen=WorklistFilter(kind="patient_message"))
    assert [(r.item.title, r.item.due) for r in page.rows] == [
        ("Patientbesked at visitere", NOW + timedelta(days=1))
    ]
    with pytest.raises(EconsultError) as refused:
        patient_message_triage(actor=secretary, message=message, clinician=rw.secretary.user)
    assert refused.value.code == EconsultCode.NOT_A_CLINICIAN
    with pytest.raises(EconsultError) as refused:
        patient_message_answer(actor=secretary, message=message, answer="Smør med creme.")
    assert refused.value.code == EconsultCode.NOT_YOURS
    triaged = patient_message_triage(actor=secretary, message=message, clinician=rw.doctor.user)
    assert triaged.status == PatientMessageStatus.TRIAGED
    mine = worklist_page(
        actor=doctor, chosen=WorklistFilter(kind="patient_message", assignee_id=rw.doctor.user.pk)
    )
    assert [r.item.title for r in mine.rows] == ["Patientbesked at besvare"]

    answered = patient_message_answer(actor=doctor, message=triaged, answer="Smør med creme.")
    assert answered.status == PatientMessageStatus.ANSWERED
    entry = JournalEntry.objects.get(public_id=answered.journal_entry_public_id)
    assert "Det klør." in entry.text and "Smør med creme." in entry.text
    assert entry.title == "E-konsultation: Udslæt"
    notice = OutboxMessage.objects.get(kind=MessageKind.MESSAGE_ANSWERED)
    assert "/selvbetjening/" in notice.body and "creme" not in notice.body
    with pytest.raises(EconsultError) as refused:
        patient_message_answer(actor=doctor, message=answered, answer="Igen")
    assert refused.value.code == EconsultCode.NOT_OPEN


def test_the_answer_is_read_behind_the_link(rw, client, link):
    message = patient_message_receive(patient=rw.patient, subject="Udslæt", text="Det klør.")
    patient_message_answer(
        actor=actor_from_membership(rw.doctor), message=message, answer="Smør med creme."
    )
    assert "Smør med creme." in client.get(link).content.decode()


def test_a_message_asking_for_medicine_becomes_a_renewal(rw, login_as):
    message = patient_message_receive(patient=rw.patient, subject="Recept", text="Furix, tak.")
    page = login_as(rw.secretary)
    response = page.post(f"/patientbeskeder/{message.public_id}/renewal/")
    renewal = Renewal.objects.get()
    assert response["Location"] == f"/recepter/{renewal.public_id}/"
    assert (renewal.source, renewal.message_public_id) == (RenewalSource.MESSAGE, message.public_id)
    message.refresh_from_db()
    assert message.status == PatientMessageStatus.CLOSED
    with pytest.raises(EconsultError):
        patient_message_to_renewal(actor=actor_from_membership(rw.secretary), message=message)
    assert Renewal.objects.count() == 1


def test_the_screens_triage_and_answer_and_another_organisation_gets_404(rw, login_as, client):
    message = patient_message_receive(patient=rw.patient, subject="Udslæt", text="Det klør.")
    page = login_as(rw.secretary)
    listing = page.get("/patientbeskeder/").content.decode()
    assert rw.patient.name in listing and "Udslæt" in listing
    page.post(
        f"/patientbeskeder/{message.public_id}/",
        {"triage": "1", "clinician": str(rw.doctor.user.pk)},
    )
    message.refresh_from_db()
    assert message.assigned_to == rw.doctor.user
    link_page = page.get(f"/patientbeskeder/patient/{rw.patient.public_id}/").content.decode()
    assert 'id="selfservice-link"' in link_page
    client.logout()
    doctor = login_as(rw.doctor)
    doctor.post(f"/patientbeskeder/{message.public_id}/", {"answer_send": "1", "answer": "Creme."})
    message.refresh_from_db()
    assert message.status == PatientMessageStatus.ANSWERED
    client.logout()
    other = login_as(rw.other_doctor)
    assert other.get(f"/patientbeskeder/{message.public_id}/").status_code == 404
    assert "Udslæt" not in other.get("/patientbeskeder/").content.decode()
