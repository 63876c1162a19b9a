"""A patient's message in a real browser (issue 15 item 7): behind their self-service link the
patient writes to the clinic; the secretary gives the message to the doctor; the doctor answers
it (kept in the journal); the patient reads the answer behind the same link."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from klinik.core.choices import Role
from klinik.core.tests.factories import TEST_PASSWORD, MembershipFactory, UnitFactory
from klinik.correspondence.models import PatientMessage
from klinik.correspondence.selfservice.links import selfservice_token
from klinik.patients.tests.factories import PatientFactory
from klinik.records.models import JournalEntry
from klinik.scheduling.tests.factories import at, next_workday

from .helpers import log_in, log_out

pytestmark = [pytest.mark.browser]


@pytest.fixture
def setup(transactional_db, clock):
    clock.set(at(next_workday(days_ahead=3), 10))
    unit = UnitFactory(name="Lægehuset", organisation__name="Lægehuset Syd")
    MembershipFactory(unit=unit, role=Role.SECRETARY, user__username="skranke")
    MembershipFactory(
        unit=unit,
        role=Role.DOCTOR,
        user__username="doktor",
        user__first_name="Dorte",
        user__last_name="Læge",
    )
    patient = PatientFactory(unit=unit, given_name="Hanne", family_name="Hoste")
    return patient


def test_a_patient_writes_the_doctor_answers_and_the_patient_reads_it(page: Page, setup) -> None:
    patient = setup
    link = f"/selvbetjening/{selfservice_token(patient)}/"
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Lægehuset")
    page.locator("#id_subject").fill("Udslæt")
    page.locator("#id_text").fill("Jeg har fået et kløende udslæt på armene.")
    page.locator("#self-message-send").click()
    expect(page.locator("#selfservice-sent")).to_be_visible()
    message = PatientMessage.objects.get()

    log_in(page, "skranke", TEST_PASSWORD)
    page.goto("/patientbeskeder/")
    page.locator(f"#patient-message-list a[href='/patientbeskeder/{message.public_id}/']").click()
    page.locator("#id_clinician").select_option(label="Dorte Læge")
    page.locator("#message-triage").click()
    expect(page.locator("#message-status")).to_have_text("Hos behandler")
    expect(page.locator("#message-answer-send")).to_have_count(0)
    log_out(page)

    log_in(page, "doktor", TEST_PASSWORD)
    page.goto("/arbejdsliste/?kind=patient_message&person=me")
    page.locator(f"#worklist-table a[href='/patientbeskeder/{message.public_id}/']").click()
    page.locator("#id_answer").fill("Smør med hydrokortisoncreme og ring, hvis det ikke går væk.")
    page.locator("#message-answer-send").click()
    expect(page.locator("#message-status")).to_have_text("Besvaret")
    assert JournalEntry.objects.filter(patient=patient, title="E-konsultation: Udslæt").exists()
    log_out(page)

    page.goto(link)
    expect(page.locator("#self-answers")).to_contain_text("hydrokortisoncreme")
