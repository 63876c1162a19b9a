"""Coding a contact in a real browser: a secretary types part of the Danish diagnosis text,
with a typing error, into the code picker, arrows down to the hit, presses Enter, and the
main diagnosis is listed on the contact."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import TEST_PASSWORD, MembershipFactory, UnitFactory
from klinik.patients.tests.factories import PatientFactory
from klinik.records.choices import ContactKind, DiagnosisKind
from klinik.records.journal.services import contact_open
from klinik.records.models import ContactDiagnosis
from klinik.terminology.services import starter_load

from .helpers import log_in

pytestmark = [pytest.mark.browser]

CODE = "DJ069"
TEXT = "Akut øvre luftvejsinfektion UNS"


@pytest.fixture
def coding_desk(transactional_db):
    # The live server's tests flush the database: load the SKS starter set again.
    starter_load()
    unit = UnitFactory(name="Lægehuset", organisation__name="Lægehuset Åboulevarden")
    doctor = MembershipFactory(unit=unit, role=Role.DOCTOR, user__username="laege")
    MembershipFactory(unit=unit, role=Role.SECRETARY, user__username="sekretaer")
    patient = PatientFactory(unit=unit, given_name="Alma", family_name="Skov")
    contact = contact_open(
        actor=actor_from_membership(doctor), patient=patient, kind=ContactKind.PHYSICAL
    )
    return patient, contact


def test_secretary_codes_a_main_diagnosis_from_a_misspelt_text(page: Page, coding_desk) -> None:
    patient, contact = coding_desk
    log_in(page, "sekretaer", TEST_PASSWORD)
    page.goto(f"/patients/{patient.public_id}/record/coding/")

    card = page.locator(f"#contact-{contact.public_id}")
    code_input = card.locator("input[data-code-input=diagnosis]")
    expect(code_input).to_be_visible()
    hits = card.locator(".code-hits")

    # "luftvejsinfektoin": a typing error in the Danish text.
    code_input.click()
    code_input.press_sequentially("øvre luftvejsinfektoin", delay=20)
    hit = hits.locator(f"[role=option][data-code='{CODE}']")
    expect(hit).to_be_visible()
    expect(hit).to_contain_text(TEXT)
    expect(code_input).to_have_attribute("aria-expanded", "true")

    # Arrow down to the hit (it may not be the first), then Enter picks and codes it.
    codes = hits.locator("[role=option]").evaluate_all("els => els.map(e => e.dataset.code)")
    for _ in range(codes.index(CODE) + 1):
        code_input.press("ArrowDown")
    expect(hit).to_have_attribute("aria-selected", "true")
    expect(code_input).to_have_attribute("aria-activedescendant", hit.get_attribute("id") or "")
    code_input.press("Enter")

    main_row = page.locator(f"#contact-{contact.public_id} tr.dx-main")
    expect(main_row.locator("td.code")).to_have_text(CODE)
    expect(main_row).to_contain_text(TEXT)
    row = ContactDiagnosis.objects.get(contact=contact, removed_at__isnull=True)
    assert (row.code, row.kind, row.text) == (CODE, DiagnosisKind.MAIN, TEXT)
    assert row.recorded_by.username == "sekretaer"
    # The picker is ready for the next code, now suggesting a secondary diagnosis.
    again = page.locator(f"#contact-{contact.public_id} input[data-code-input=diagnosis]")
    expect(again).to_have_value("")
    expect(page.locator(f"#contact-{contact.public_id} select[name=kind]")).to_have_value(
        DiagnosisKind.SECONDARY
    )


def test_unknown_code_typed_and_submitted_is_refused_at_the_field(page: Page, coding_desk) -> None:
    patient, contact = coding_desk
    log_in(page, "sekretaer", TEST_PASSWORD)
    page.goto(f"/patients/{patient.public_id}/record/coding/")
    card = page.locator(f"#contact-{contact.public_id}")
    code_input = card.locator("input[data-code-input=diagnosis]")
    code_input.fill("DX999")
    card.locator("form[action$='/diagnoses/'] button[type=submit]").click()
    field = page.locator(f"#contact-{contact.public_id} input[data-code-input=diagnosis]")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#contact-{contact.public_id} .errorlist")).to_contain_text("DX999")
    assert not ContactDiagnosis.objects.filter(contact=contact).exists()
