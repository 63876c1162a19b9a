"""The MedCom REST contract: send → 201 with id and status, the Bundle as application/fhir+json
(validating with fhir.resources), the inbox → 202 with id, patient (or null) and the FCTL
acknowledgement; bad input answered 400/422 naming what is missing, with nothing written; 404
across organisations with nothing leaked."""

from __future__ import annotations

import json

import pytest

from klinik.audit.models import AccessLogEntry
from klinik.correspondence.messages import fhir
from klinik.correspondence.messages.choices import CareMessageStatus
from klinik.correspondence.models import CareMessage
from klinik.correspondence.tests.medcom.bundles import medcom_example, without
from klinik.correspondence.tests.medcom.conftest import GP, OWN_A

MISSING = "00000000-0000-4000-8000-000000000000"


def _send(api, world, **changes):
    payload = {
        "patient": str(world.patient_a.public_id),
        "recipient": dict(GP),
        "category": "examination-results",
        "topic": "Svar på blodprøver",
        "text": "Kære kollega\nBlodprøverne er normale.",
    }
    payload.update(changes)
    return api.post("/messages/care-communication", payload)


def _inbox(api, document):
    return api.client.post(
        "/api/v1/messages/inbox",
        json.dumps(document) if not isinstance(document, str) else document,
        content_type="application/fhir+json",
        **api.auth,
    )


def test_sending_a_care_communication_answers_201_and_keeps_a_valid_bundle(api, world):
    response = _send(api, world)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "sent"
    message = CareMessage.objects.get(public_id=body["id"])
    assert message.patient == world.patient_a and message.counterpart_sor == GP["sor"]
    fhir.bundle_validate(message.bundle)
    parsed = fhir.message_parse(message.bundle)
    assert parsed.cpr == world.patient_a.cpr
    assert parsed.sender == fhir.Party(**OWN_A) and parsed.receiver == fhir.Party(**GP)
    assert parsed.segments[0].text == "Kære kollega\nBlodprøverne er normale."
    assert list(message.events.values_list("status", flat=True)) == ["ready", "sent"]


def test_the_bundle_is_served_as_fhir_json(api, world):
    sent = _send(api, world).json()
    response = api.get(f"/messages/{sent['id']}/fhir")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    bundle = json.loads(response.content)
    assert bundle["type"] == "message"
    header = bundle["entry"][0]["resource"]
    assert header["eventCoding"]["code"] == "care-communication-message"
    organisations = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Organization"
    ]
    assert all(
        {i["system"] for i in o["identifier"]} == {fhir.SYSTEM_SOR, fhir.SYSTEM_EAN}
        for o in organisations
    )
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    assert patient["identifier"] == [
        {"system": "urn:oid:1.2.208.176.1.2", "value": world.patient_a.cpr}
    ]
    provenance = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Provenance"
    )
    assert provenance["activity"]["coding"][0]["code"] == "new-message"
    fhir.bundle_validate(bundle)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"recipient": {"name": "Uden SOR", "ean": GP["ean"]}}, "recipient.sor"),
        ({"recipient": {"name": "Uden EAN", "sor": GP["sor"]}}, "recipient.ean"),
        ({"recipient": {"name": "x", "sor": "12", "ean": GP["ean"]}}, "recipient.sor"),
        ({"category": "gossip"}, "category"),
        ({"category": "other", "topic": ""}, "topic"),
        ({"text": "   "}, "text"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_written(api, world, change, field):
    response = _send(api, world, **change)
    assert response.status_code == 422, response.content
    assert field in response.json()["detail"]
    assert not CareMessage.objects.exists()


def test_sending_without_the_own_sor_and_ean_set_up_is_refused(api, world, directory):
    directory["own"].delete()
    response = _send(api, world)
    assert response.status_code == 422 and response.json()["code"] == "no_sender"
    assert not CareMessage.objects.exists()


def test_a_failed_transport_leaves_the_message_visibly_failed(api, world, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.MEDCOM_OUTBOX_DIR = str(blocker)
    body = _send(api, world).json()
    assert body["status"] == "failed"
    message = CareMessage.objects.get(public_id=body["id"])
    assert message.error and message.status == CareMessageStatus.FAILED


def test_another_organisations_message_is_a_404_and_its_patient_not_reachable(api, api_b, world):
    sent = _send(api, world).json()
    assert api_b.get(f"/messages/{sent['id']}/fhir").status_code == 404
    assert api_b.get(f"/messages/{MISSING}/fhir").status_code == 404
    assert _send(api_b, world).status_code == 404  # patient A is not B's
    assert CareMessage.objects.count() == 1


def test_an_incoming_message_is_matched_by_cpr_and_acknowledged(api, world):
    document = medcom_example(cpr=world.patient_a.cpr, to_sor=OWN_A["sor"])
    response = _inbox(api, document)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["patient"] == str(world.patient_a.public_id)
    message = CareMessage.objects.get(public_id=body["id"])
    assert message.status == "received" and message.author == "Michael Burns"
    assert message.counterpart_name.startswith("Hjerteafdelingen")
    ack = CareMessage.objects.get(public_id=body["acknowledgement"])
    assert ack.kind == "ack" and ack.status == "sent" and ack.acknowledges == message
    parsed = fhir.message_parse(ack.bundle)
    assert isinstance(parsed, fhir.Acknowledgement)
    assert str(parsed.acknowledges) == document["entry"][0]["resource"]["id"]
    assert parsed.code == "ok" and parsed.receiver.sor == "265161000016111"


def test_the_same_bundle_posted_twice_is_one_message(api, world):
    document = medcom_example(cpr=world.patient_a.cpr, to_sor=OWN_A["sor"])
    first, second = _inbox(api, document).json(), _inbox(api, document).json()
    assert first == second
    assert CareMessage.objects.filter(direction="in").count() == 1


def test_an_unknown_cpr_is_accepted_unmatched_and_waits_in_the_work_queue(api, world):
    response = _inbox(api, medcom_example(cpr="0101001234", to_sor=OWN_A["sor"]))
    assert response.status_code == 202
    body = response.json()
    assert body["patient"] is None and body["acknowledgement"]
    work = api.get("/worklist", unit=str(world.unit_a.public_id)).json()
    assert any(item["id"] == body["id"] and item["kind"] == "medcom" for item in work)


def test_not_json_is_a_400(api):
    response = _inbox(api, "{not json")
    assert response.status_code == 400 and response.json()["code"] == "bad_request"
    assert not CareMessage.objects.exists()


@pytest.mark.parametrize(
    ("document", "missing"),
    [
        ({"resourceType": "Patient"}, "Bundle"),
        ({"resourceType": "Bundle", "type": "collection", "entry": []}, "Bundle.type"),
    ],
)
def test_a_document_that_is_not_a_message_bundle_is_a_422(api, document, missing):
    response = _inbox(api, document)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(missing)
    assert not CareMessage.objects.exists()


def test_a_bundle_without_a_communication_is_a_422_naming_it(api, world):
    document = without(
        medcom_example(cpr=world.patient_a.cpr, to_sor=OWN_A["sor"]), "Communication"
    )
    response = _inbox(api, document)
    assert response.status_code == 422
    assert "Communication" in response.json()["detail"]
    assert not CareMessage.objects.exists()


def test_a_bundle_whose_sender_lacks_an_ean_is_a_422(api, world):
    document = medcom_example(cpr=world.patient_a.cpr, to_sor=OWN_A["sor"])
    sender = document["entry"][6]["resource"]
    sender["identifier"] = sender["identifier"][:1]
    response = _inbox(api, document)
    assert response.status_code == 422 and "EAN" in response.json()["detail"]


def test_a_message_for_another_receiver_is_refused(api, world):
    response = _inbox(api, medcom_example(cpr=world.patient_a.cpr, to_sor="953741000016009"))
    assert response.status_code == 422 and "receiver" in response.json()["detail"]


def test_their_acknowledgement_marks_our_message_acknowledged(api, world):
    sent = CareMessage.objects.get(public_id=_send(api, world).json()["id"])
    ours = fhir.message_parse(sent.bundle)
    ack = fhir.acknowledgement_build(
        fhir.Acknowledgement(
            header_id=__import__("uuid").uuid4(),
            at=sent.created_at,
            sender=ours.receiver,
            receiver=ours.sender,
            acknowledges=sent.header_id,
        )
    )
    response = _inbox(api, ack)
    assert response.status_code == 202, response.content
    assert response.json()["acknowledgement"] is None
    sent.refresh_from_db()
    assert sent.status == "acknowledged" and sent.acknowledged_at is not None


def test_the_inbox_logs_the_received_message_against_the_patient(api, world):
    _inbox(api, medcom_example(cpr=world.patient_a.cpr, to_sor=OWN_A["sor"]))
    assert AccessLogEntry.objects.filter(
        object_type="care_message", patient_id=world.patient_a.public_id
    ).exists()


def test_the_clinic_setups_sor_and_ean_serve_as_sender_without_a_directory_row(
    api, world, directory
):
    directory["own"].delete()
    world.org_a.sor_code, world.org_a.gln = "123456000016007", "5790000111222"
    world.org_a.save(update_fields=["sor_code", "gln"])
    body = _send(api, world).json()
    message = CareMessage.objects.get(public_id=body["id"])
    assert fhir.message_parse(message.bundle).sender.sor == "123456000016007"


def test_the_inbox_takes_a_bundle_of_some_megabytes_and_refuses_one_over_10_mb(api, world):
    document = medcom_example(cpr=world.patient_a.cpr, to_sor=OWN_A["sor"])
    # A Bundle the size of one carrying a scanned letter: above Django's default 2.5 MB.
    padded = json.dumps(document) + " " * (4 * 1024 * 1024)
    assert _inbox(api, padded).status_code == 202
    too_large = json.dumps(document) + " " * (10 * 1024 * 1024)
    response = _inbox(api, too_large)
    assert response.status_code == 413 and response.json()["code"] == "too_large"
