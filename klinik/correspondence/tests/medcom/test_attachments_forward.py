"""Attachments on CareCommunications (issue 15 item 3 and bad input) and forwarding a received
one: a PDF goes into the payload as a contentAttachment (the Bundle validates and reads back);
a refused type or an oversized file is a clear message at the field (UI) or a 422 (API) and
nothing is stored or sent; a received message forwarded to another partner carries our note,
the original text and activity "forward-message" naming the original."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from klinik.core.choices import Role
from klinik.correspondence.messages import fhir
from klinik.correspondence.messages.choices import PartnerKind
from klinik.correspondence.messages.errors import MessageError
from klinik.correspondence.messages.services import care_message_receive
from klinik.correspondence.messages.services.attachments import (
    ATTACHMENT_MAX_BYTES,
    attachment_check,
)
from klinik.correspondence.models import CareMessage, Partner
from klinik.correspondence.tests.medcom.bundles import medcom_example
from klinik.correspondence.tests.medcom.conftest import GP, OWN_A
from klinik.records.tests.document_files import pdf_bytes

MUNICIPALITY = {"sor": "123456000016001", "ean": "5790000123456", "name": "Hjemmeplejen"}


def _send(api, world, **changes):
    payload = {
        "patient": str(world.patient_a.public_id),
        "recipient": dict(GP),
        "category": "examination-results",
        "topic": "Svar",
        "text": "Se vedhæftede.",
    }
    payload.update(changes)
    return api.post("/messages/care-communication", payload)


def test_an_attached_pdf_travels_in_the_payload(api, world):
    data = pdf_bytes()
    response = _send(
        api, world, attachments=[{"title": "Epikrise", "data": base64.b64encode(data).decode()}]
    )
    assert response.status_code == 201, response.content
    message = CareMessage.objects.get(public_id=response.json()["id"])
    fhir.bundle_validate(message.bundle)
    parsed = fhir.message_parse(message.bundle)
    assert len(parsed.attachments) == 1
    attached = parsed.attachments[0]
    assert attached.content_type == "application/pdf" and attached.title == "Epikrise"
    assert base64.b64decode(attached.data_base64) == data


def test_a_refused_type_is_a_422_and_nothing_is_sent(api, world):
    data = b"MZ\x90\x00 an executable"
    response = _send(
        api, world, attachments=[{"title": "x", "data": base64.b64encode(data).decode()}]
    )
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "attachment_refused" and "PDF" in body["detail"]
    assert not CareMessage.objects.exists()


def test_an_attachment_over_5_mb_is_refused_with_the_limit(db):
    with pytest.raises(MessageError) as refused:
        attachment_check(data=b"%PDF-1.4\n" + b"0" * ATTACHMENT_MAX_BYTES, title="stor")
    assert refused.value.code == "attachment_refused"
    assert "5 MB" in str(refused.value.message) and refused.value.field == "attachment"


def test_not_base64_is_a_422(api, world):
    response = _send(api, world, attachments=[{"title": "x", "data": "not base64!"}])
    assert response.status_code == 422 and not CareMessage.objects.exists()


def test_the_form_refuses_a_wrong_file_at_the_field(
    client, login_as, secretary, world, directory, now
):
    login_as(secretary)
    response = client.post(
        f"/medcom/patient/{world.patient_a.public_id}/",
        {
            "partner": str(directory["gp"].public_id),
            "category": "examination-results",
            "topic": "Svar",
            "text": "Se vedhæftede.",
            "attachment": SimpleUploadedFile("virus.exe", b"MZ\x90\x00 not a document"),
        },
    )
    assert response.status_code == 200 or response.status_code == 422
    assert 'class="field field-attachment' in response.content.decode()
    assert "PDF" in response.content.decode()
    assert not CareMessage.objects.exists()
    ok = client.post(
        f"/medcom/patient/{world.patient_a.public_id}/",
        {
            "partner": str(directory["gp"].public_id),
            "category": "examination-results",
            "topic": "Svar",
            "text": "Se vedhæftede.",
            "attachment": SimpleUploadedFile("brev.pdf", pdf_bytes()),
        },
    )
    assert ok.status_code == 302
    message = CareMessage.objects.get()
    assert fhir.message_parse(message.bundle).attachments[0].title == "brev"


def test_a_received_message_is_forwarded_to_another_partner(
    client, login_as, secretary, world, directory, actor_for, now
):
    municipality = Partner.objects.create(
        organisation=world.org_a, kind=PartnerKind.MUNICIPALITY, **MUNICIPALITY
    )
    received = care_message_receive(
        actor=actor_for(secretary),
        document=medcom_example(cpr=world.patient_a.cpr, to_sor=OWN_A["sor"]),
    ).message
    original = fhir.message_parse(received.bundle)
    login_as(secretary)
    page = client.get(f"/medcom/{received.public_id}/").content.decode()
    assert 'id="forward-form"' in page
    response = client.post(
        f"/medcom/{received.public_id}/forward/",
        {"forward-partner": str(municipality.public_id), "forward-text": "Til orientering."},
    )
    assert response.status_code == 302, response.content[:500]
    forwarded = CareMessage.objects.get(direction="out", kind="care")
    assert forwarded.counterpart_sor == MUNICIPALITY["sor"] and forwarded.status == "sent"
    assert forwarded.thread == received.thread and forwarded.replies_to == received
    fhir.bundle_validate(forwarded.bundle)
    parsed = fhir.message_parse(forwarded.bundle)
    assert parsed.activity == "forward-message" and parsed.replies_to == received.header_id
    texts = [s.text for s in parsed.segments]
    assert texts[0] == "Til orientering."
    assert original.segments[0].text in texts[1:]


def test_our_own_message_cannot_be_forwarded(client, login_as, secretary, world, directory, now):
    login_as(secretary)
    sent = client.post(
        f"/medcom/patient/{world.patient_a.public_id}/",
        {
            "partner": str(directory["gp"].public_id),
            "category": "examination-results",
            "topic": "Svar",
            "text": "Hej",
        },
    )
    assert sent.status_code == 302
    ours = CareMessage.objects.get()
    response = client.post(
        f"/medcom/{ours.public_id}/forward/",
        {"forward-partner": str(directory["gp"].public_id), "forward-text": "Videre"},
    )
    assert response.status_code == 422 and CareMessage.objects.count() == 1


def test_another_organisations_message_cannot_be_forwarded(
    client, login_as, secretary, world, directory, actor_for, now
):
    received = care_message_receive(
        actor=actor_for(secretary),
        document=medcom_example(cpr=world.patient_a.cpr, to_sor=OWN_A["sor"]),
    ).message
    login_as(world.member(Role.SECRETARY, unit=world.unit_b))
    response = client.post(
        f"/medcom/{received.public_id}/forward/",
        {"forward-partner": str(directory["gp"].public_id), "forward-text": "Videre"},
    )
    assert response.status_code == 404
    assert CareMessage.objects.filter(direction="out", kind="care").count() == 0


def test_an_attachment_opens_from_the_message_page_for_its_organisation_only(
    api, world, secretary, login_as, client
):
    data = pdf_bytes()
    sent = _send(
        api, world, attachments=[{"title": "Epikrise", "data": base64.b64encode(data).decode()}]
    )
    message = sent.json()["id"]
    browser = login_as(secretary)
    page = browser.get(f"/medcom/{message}/").content.decode()
    url = f"/medcom/{message}/attachments/1/"
    assert f'href="{url}"' in page
    response = browser.get(url)
    assert response.status_code == 200 and response.content == data
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Content-Disposition"] == 'inline; filename="bilag-1.pdf"'
    assert browser.get(f"/medcom/{message}/attachments/2/").status_code == 404
    client.logout()
    login_as(world.member(Role.SECRETARY, unit=world.unit_b))
    assert client.get(url).status_code == 404
