""" "Kopi til egen læge": a signed dictation's transcript goes to the patient's own GP as a
CareCommunication from the patient's MedCom page, once; an unsigned one is refused; 404 across
organisations."""

from __future__ import annotations

import pytest

from klinik.core.choices import Role
from klinik.correspondence.messages import fhir
from klinik.correspondence.models import CareMessage
from klinik.correspondence.tests.medcom.conftest import GP
from klinik.records.dictation.services import (
    dictation_create,
    dictation_send_for_signing,
    dictation_take,
)


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
