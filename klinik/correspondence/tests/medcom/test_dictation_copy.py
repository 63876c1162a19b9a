""" "Kopi til egen læge": a signed dictation's transcript goes to the patient's own GP as a
CareCommunication from the patient's MedCom page, once; an unsigned one is refused; 404 across
organisations."""

from __future__ import annotations

import pytest

from klinik.core.choices import Role
from klinik.correspondence.messages import fhir
from klinik.correspondence.models import CareMessage, Partner
from klinik.correspondence.tests.medcom.conftest import GP
from klinik.records.dictation.services import (
    dictation_create,
    dictation_send_for_signing,
    dictation_take,
)
from klinik.records.models import Dictation


@pytest.fixture
def doctor(world):
    return world.member(Role.DOCTOR)


def _dictation(actor, patient, *, signed: bool = True):
    dictation = dictation_create(
        actor=actor, patient=patient, text="Diktat", instructions="Kopi til egen læge"
    )
    if signed:
        dictation = dictation_take(actor=actor, dictation=dictation)
        dictation_send_for_signing(
            actor=actor, dictation=dictation, text="Kontrol af BT. Uændret behandling."
        )
        dictation.refresh_from_db()
    return dictation


def test_a_signed_dictation_goes_to_the_own_gp_once(
    client, login_as, doctor, world, directory, actor_for, now
):
    dictation = _dictation(actor_for(doctor), world.patient_a)
    login_as(doctor)
    page = client.get(f"/medcom/patient/{world.patient_a.public_id}/").content.decode()
    assert f"/medcom/dictation/{dictation.public_id}/copy-to-gp/" in page
    assert "Kopi til egen læge" in page
    response = client.post(f"/medcom/dictation/{dictation.public_id}/copy-to-gp/")
    assert response.status_code == 302
    message = CareMessage.objects.get(dictation_public_id=dictation.public_id)
    assert message.counterpart_sor == GP["sor"] and message.status == "sent"
    parsed = fhir.message_parse(message.bundle)
    assert parsed.segments[0].text == "Kontrol af BT. Uændret behandling."
    assert parsed.topic == "Kopi til egen læge"
    again = client.post(f"/medcom/dictation/{dictation.public_id}/copy-to-gp/")
    assert again.status_code == 302
    assert CareMessage.objects.filter(dictation_public_id=dictation.public_id).count() == 1
    page = client.get(f"/medcom/patient/{world.patient_a.public_id}/").content.decode()
    assert f"/medcom/{message.public_id}/" in page


def test_an_unsigned_dictation_is_not_sent(
    client, login_as, doctor, world, directory, actor_for, now
):
    dictation = _dictation(actor_for(doctor), world.patient_a, signed=False)
    login_as(doctor)
    client.post(f"/medcom/dictation/{dictation.public_id}/copy-to-gp/")
    assert not CareMessage.objects.exists()


def test_another_organisations_dictation_is_a_404(
    client, login_as, doctor, world, directory, actor_for, now
):
    dictation = _dictation(actor_for(doctor), world.patient_a)
    login_as(world.member(Role.DOCTOR, unit=world.unit_b))
    response = client.post(f"/medcom/dictation/{dictation.public_id}/copy-to-gp/")
    assert response.status_code == 404 and not CareMessage.objects.exists()


def test_the_checkbox_writes_the_instruction_and_signing_sends_the_copy(
    client,
    login_as,
    doctor,
    world,
    directory,
    actor_for,
    now,
    django_capture_on_commit_callbacks,
):
    login_as(doctor)
    response = client.post(
        f"/patients/{world.patient_a.public_id}/record/dictations/new/",
        {"priority": "normal", "instructions": "", "text": "Diktat", "copy_to_gp": "on"},
    )
    assert response.status_code == 302, response.content[:300]
    dictation = Dictation.objects.get()
    assert dictation.instructions == "Kopi til egen læge"
    actor = actor_for(doctor)
    dictation = dictation_take(actor=actor, dictation=dictation)
    with django_capture_on_commit_callbacks(execute=True):
        dictation_send_for_signing(actor=actor, dictation=dictation, text="Signeret notat.")
    message = CareMessage.objects.get(dictation_public_id=dictation.public_id)
    assert message.status == "sent" and message.counterpart_sor == GP["sor"]
    assert fhir.message_parse(message.bundle).segments[0].text == "Signeret notat."


def test_without_the_instruction_signing_sends_nothing(
    doctor, world, directory, actor_for, now, django_capture_on_commit_callbacks
):
    actor = actor_for(doctor)
    dictation = dictation_create(actor=actor, patient=world.patient_a, text="Diktat")
    dictation = dictation_take(actor=actor, dictation=dictation)
    with django_capture_on_commit_callbacks(execute=True):
        dictation_send_for_signing(actor=actor, dictation=dictation, text="Notat.")
    assert not CareMessage.objects.exists()


def test_a_copy_without_a_gp_in_the_directory_fails_visibly_and_is_sent_later(
    client, login_as, doctor, world, directory, actor_for, now, django_capture_on_commit_callbacks
):
    directory["gp"].delete()
    actor = actor_for(doctor)
    with django_capture_on_commit_callbacks(execute=True):
        dictation = _dictation(actor, world.patient_a)
    failed = CareMessage.objects.get(dictation_public_id=dictation.public_id)
    assert failed.status == "failed" and "012345" in failed.error and failed.bundle == {}
    login_as(doctor)
    assert f"/medcom/{failed.public_id}/" in client.get("/arbejdsliste/").content.decode()
    assert 'id="copy-hint"' in client.get(f"/medcom/{failed.public_id}/").content.decode()
    Partner.objects.create(organisation=world.org_a, kind="gp", provider_number="012345", **GP)
    client.post(f"/medcom/dictation/{dictation.public_id}/copy-to-gp/")
    sent = CareMessage.objects.get(dictation_public_id=dictation.public_id)
    assert sent.status == "sent" and sent.pk != failed.pk
    assert f"/medcom/{failed.public_id}/" not in client.get("/arbejdsliste/").content.decode()
