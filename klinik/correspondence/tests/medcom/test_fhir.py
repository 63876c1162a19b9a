"""The Bundles themselves: every category builds a Bundle that validates with fhir.resources
and reads back to what was built; MedCom's own example shape parses."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from klinik.correspondence.messages import fhir
from klinik.correspondence.messages.choices import CareCategory
from klinik.correspondence.tests.medcom.bundles import medcom_example
from klinik.scheduling.availability import LOCAL

AT = datetime(2025, 12, 18, 10, 0, tzinfo=LOCAL)
US = fhir.Party("265161000016000", "5790000209354", "Lægehuset A")
THEM = fhir.Party("953741000016009", "5790001348120", "Lægerne i Byen")


def _message(category: str, **changes) -> fhir.CareCommunication:
    values = {
        "header_id": uuid.uuid4(),
        "communication_id": uuid.uuid4(),
        "at": AT,
        "sender": US,
        "receiver": THEM,
        "cpr": "2509479989",
        "given_name": "Bruno",
        "family_name": "Elmer",
        "category": category,
        "topic": "Emne",
        "segments": (fhir.Segment(uuid.uuid4(), AT, "Læge Lise", "70707070", "Linje 1\nLinje 2"),),
    }
    values.update(changes)
    return fhir.CareCommunication(**values)


@pytest.mark.parametrize("category", CareCategory.values)
def test_every_category_builds_a_valid_bundle_that_reads_back(category):
    message = _message(category)
    bundle = fhir.care_communication_build(message)
    fhir.bundle_validate(bundle)
    assert fhir.message_parse(bundle) == message


def test_a_reply_names_the_message_answered_and_an_attachment_is_carried():
    answered = uuid.uuid4()
    message = _message(
        "other",
        activity="reply-message",
        replies_to=answered,
        attachments=(fhir.Attachment("application/pdf", "Epikrise", "JVBERi0=", AT),),
    )
    bundle = fhir.care_communication_build(message)
    fhir.bundle_validate(bundle)
    parsed = fhir.message_parse(bundle)
    assert parsed.replies_to == answered and parsed.activity == "reply-message"
    communication = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Communication"
    )
    assert communication["payload"][-1]["contentAttachment"]["contentType"] == "application/pdf"


def test_the_same_message_builds_the_same_bundle():
    message = _message("medicine")
    assert fhir.care_communication_build(message) == fhir.care_communication_build(message)


def test_an_acknowledgement_validates_and_reads_back():
    ack = fhir.Acknowledgement(uuid.uuid4(), AT, US, THEM, uuid.uuid4())
    bundle = fhir.acknowledgement_build(ack)
    fhir.bundle_validate(bundle)
    assert fhir.message_parse(bundle) == ack


def test_medcoms_example_shape_parses():
    parsed = fhir.message_parse(medcom_example(cpr="2509479989", to_sor=US.sor))
    assert isinstance(parsed, fhir.CareCommunication)
    assert parsed.category == "examination-results" and parsed.segments[0].author == "Michael Burns"
    assert parsed.segments[0].contact == "38683868" and parsed.receiver.sor == US.sor


def test_a_wrong_resource_shape_is_refused_by_fhir_resources():
    bundle = fhir.care_communication_build(_message("other"))
    bundle["entry"][1]["resource"]["name"] = "not a list of HumanName"
    with pytest.raises(fhir.BundleInvalid) as raised:
        fhir.bundle_validate(bundle)
    assert raised.value.missing.startswith("entry")
