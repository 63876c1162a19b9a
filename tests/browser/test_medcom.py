"""MedCom correspondence in a real browser (issue 15 item 3): the secretary sends a
CareCommunication to the patient's own GP from the patient page; a message arrives for a CPR
number the register does not know, waits in the work queue, is filed on the patient the
secretary finds, answered, and its acknowledgement shows in the thread."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import TEST_PASSWORD, MembershipFactory, UnitFactory
from klinik.correspondence.messages import fhir
from klinik.correspondence.messages.choices import PartnerKind
from klinik.correspondence.messages.services import care_message_receive
from klinik.correspondence.models import CareMessage, Partner
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.tests.factories import at, next_workday

from .helpers import log_in

pytestmark = [pytest.mark.browser]

OWN = fhir.Party("265161000016000", "5790000209354", "Lægehuset Nord")
GP = fhir.Party("953741000016009", "5790001348120", "Lægerne i Byen")
HOSPITAL = fhir.Party("265161000016111", "5790000209999", "Hjerteafdelingen")


@pytest.fixture
def setup(transactional_db, clock, settings, tmp_path):
    settings.MEDCOM_OUTBOX_DIR = str(tmp_path / "medcom-out")
    clock.set(at(next_workday(days_ahead=3), 10))
    unit = UnitFactory(name="Lægehuset", organisation__name="Lægehuset Nord")
    secretary = MembershipFactory(unit=unit, role=Role.SECRETARY, user__username="medcom")
    for kind, party, number in ((PartnerKind.OWN, OWN, ""), (PartnerKind.GP, GP, "012345")):
        Partner.objects.create(
            organisation=unit.organisation,
            kind=kind,
            sor=party.sor,
            ean=party.ean,
            name=party.name,
            provider_number=number,
        )
    patient = PatientFactory(
        unit=unit, given_name="Hanne", family_name="Hoste", gp_provider_number="012345"
    )
    return secretary, patient


def test_a_message_goes_to_the_own_gp_and_one_received_is_filed_and_answered(
    page: Page, setup, clock
) -> None:
    secretary, patient = setup
    log_in(page, "medcom", TEST_PASSWORD)

    # "Send til egen læge" from the patient page: the GP is chosen from the register.
    page.goto(f"/patients/{patient.public_id}/")
    page.locator("#send-to-gp").click()
    expect(page.locator("#id_partner")).to_have_value(
        str(Partner.objects.get(sor=GP.sor).public_id)
    )
    page.locator("#id_category").select_option("examination-results")
    page.locator("#id_topic").fill("Blodprøvesvar")
    page.locator("#id_text").fill("Kære kollega\nBlodprøverne er normale.")
    page.locator("#care-message-send").click()
    expect(page).to_have_url(re.compile(r"/medcom/[0-9a-f-]{36}/(#.*)?$"))
    expect(page.locator("#thread")).to_contain_text("Blodprøverne er normale.")
    expect(page.locator("#status-history")).to_contain_text("Sendt")
    sent = CareMessage.objects.get(direction="out", kind="care")
    assert sent.counterpart_sor == GP.sor and sent.status == "sent"

    # A message arrives for a CPR number nobody has: it waits in the work queue.
    when = clock.now - timedelta(minutes=30)
    care_message_receive(
        actor=actor_from_membership(secretary),
        document=fhir.care_communication_build(
            fhir.CareCommunication(
                header_id=uuid.uuid4(),
                communication_id=uuid.uuid4(),
                at=when,
                sender=HOSPITAL,
                receiver=OWN,
                cpr="0101001234",
                given_name="Hanne",
                family_name="Hoste",
                category="discharge",
                topic="Udskrivelse",
                segments=(
                    fhir.Segment(
                        uuid.uuid4(), when, "Michael Burns", "38683868", "Udskrevet i dag."
                    ),
                ),
            )
        ),
    )
    page.goto("/arbejdsliste/")
    page.get_by_role("link", name=re.compile("find patienten")).click()
    expect(page.locator("#named-patient")).to_have_text("Hanne Hoste")

    # The secretary finds the patient by name and files the message on her.
    page.locator("#id_q").fill("Hanne Hoste")
    page.locator("#match-search button").click()
    page.locator("#match-save").click()
    expect(page.locator("#match")).to_have_count(0)
    received = CareMessage.objects.get(direction="in", kind="care")
    assert received.patient_id == patient.pk

    # Answered in the thread; the acknowledgement sent on receipt shows there too.
    expect(page.locator("#thread")).to_contain_text("Kvittering")
    page.locator("#id_text").fill("Tak, vi ser patienten i næste uge.")
    page.locator("#reply-send").click()
    expect(page.locator("#thread")).to_contain_text("Udskrevet i dag.")
    expect(page.locator("#thread")).to_contain_text("Tak, vi ser patienten i næste uge.")
    answer = CareMessage.objects.get(replies_to=received)
    assert fhir.message_parse(answer.bundle).receiver == HOSPITAL


def test_a_signed_dictation_goes_to_the_own_gp_in_two_keystrokes(page: Page, setup) -> None:
    from klinik.records.dictation.services import (
        dictation_create,
        dictation_send_for_signing,
        dictation_take,
    )

    secretary, patient = setup
    doctor = MembershipFactory(unit=secretary.unit, role=Role.DOCTOR, user__username="diktat")
    actor = actor_from_membership(doctor)
    # Without the "Kopi til egen læge" instruction, which would send it on signing by itself.
    dictation = dictation_create(actor=actor, patient=patient, text="Diktat")
    dictation = dictation_take(actor=actor, dictation=dictation)
    dictation_send_for_signing(actor=actor, dictation=dictation, text="Kontrol af BT. Uændret.")

    log_in(page, "diktat", TEST_PASSWORD)
    page.goto(f"/patients/{patient.public_id}/")
    page.locator("#care-messages").click()
    expect(page.locator("#signed-dictations")).to_contain_text("Kontrol af BT. Uændret.")
    page.locator("#signed-dictations .copy-to-gp").first.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/medcom/[0-9a-f-]{36}/$"))
    expect(page.locator("#thread")).to_contain_text("Kontrol af BT. Uændret.")
    expect(page.locator("#thread")).to_contain_text(GP.name)
    assert CareMessage.objects.get(dictation_public_id=dictation.public_id).status == "sent"
