"""Letters in a real browser (issue 15 items 1 and 2): the secretary writes a letter to a patient
from the unit's invitation template (the merge fields filled in the editor), previews it as text
and as a PDF, writes it, opens its PDF, and sends it by Digital Post; the local backend holds
what would be sent, the status history shows it sent and the record holds it as an outgoing
letter. An incoming scan is registered, matched to its patient from the work queue and filed."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from klinik.core.choices import Role
from klinik.core.tests.factories import TEST_PASSWORD, MembershipFactory, UnitFactory
from klinik.correspondence.letters.choices import LetterKind
from klinik.correspondence.models import Letter, LetterTemplate
from klinik.patients.tests.factories import PatientFactory
from klinik.records.models import JournalEntry
from klinik.scheduling.tests.factories import at, next_workday

from .helpers import PDF_TIMEOUT_MS, log_in

pytestmark = [pytest.mark.browser]


@pytest.fixture
def setup(transactional_db, clock, settings, tmp_path):
    settings.DIGITAL_POST_OUTBOX_DIR = str(tmp_path / "dp")
    clock.set(at(next_workday(days_ahead=3), 10))
    unit = UnitFactory(name="Lungemedicinsk ambulatorium", organisation__name="Regionshospital")
    MembershipFactory(unit=unit, role=Role.SECRETARY, user__username="breve")
    LetterTemplate.objects.create(
        organisation=unit.organisation,
        unit=unit,
        kind=LetterKind.INVITATION,
        title="Indkaldelse til spirometri",
        subject="Indkaldelse til {unit}",
        body="Kære {patient_first_name}\n\nDu indkaldes til undersøgelse.\n\n{preparation}",
        preparation="Tag ikke astmamedicin 6 timer før.",
    )
    patient = PatientFactory(unit=unit, given_name="Hanne", family_name="Hoste")
    return patient, tmp_path / "dp"


def test_a_letter_is_written_from_a_template_seen_as_pdf_and_sent_by_digital_post(
    page: Page, setup
) -> None:
    patient, outbox = setup
    log_in(page, "breve", TEST_PASSWORD)
    page.goto(f"/patients/{patient.public_id}/")
    page.locator("#patient-letters-link").click()
    page.locator("[data-template='Indkaldelse til spirometri']").click()
    expect(page.locator("#id_subject")).to_have_value("Indkaldelse til Lungemedicinsk ambulatorium")
    expect(page.locator("#id_body")).to_contain_text("Tag ikke astmamedicin 6 timer før.")
    page.locator("#id_body").fill(
        "Kære Hanne\n\nDu indkaldes til spirometri.\n\nTag ikke astmamedicin 6 timer før."
    )
    page.locator("#letter-preview").click()
    expect(page.locator("#preview")).to_contain_text("Du indkaldes til spirometri.")
    with page.context.expect_page() as previewed:
        page.locator("#letter-preview-pdf").click()
    preview_page = previewed.value
    preview_page.wait_for_load_state()
    preview_page.close()
    assert not Letter.objects.exists()  # a preview stores nothing
    page.locator("#letter-save").click()
    expect(page).to_have_url(re.compile(r"/breve/[0-9a-f-]{36}/(#.*)?$"))
    letter = Letter.objects.get()

    # The PDF opens (in a new tab) and is a PDF.
    with page.context.expect_page() as opened:
        page.locator("#letter-pdf").click()
    pdf_page = opened.value
    pdf_page.wait_for_load_state()
    assert pdf_page.url.endswith(f"/breve/{letter.public_id}/pdf/")
    response = page.request.get(f"/breve/{letter.public_id}/pdf/", timeout=PDF_TIMEOUT_MS)
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    pdf_page.close()

    page.locator("#id_channel").select_option("digital_post")
    page.locator("#letter-send").click()
    expect(page.locator("#letter-status")).to_contain_text("Sendt")
    expect(page.locator("#letter-history")).to_contain_text("Digital Post")
    meta = json.loads((outbox / f"{letter.public_id}.json").read_text())
    assert meta["recipient_cpr"] == patient.cpr
    assert meta["subject"] == "Indkaldelse til Lungemedicinsk ambulatorium"
    page.locator("#letter-record a").click()
    expect(page.locator("main")).to_contain_text("Udgående brev: Indkaldelse til")


def test_an_incoming_scan_is_registered_matched_from_the_work_queue_and_filed(
    page: Page, setup, settings, tmp_path
) -> None:
    from klinik.records.tests.document_files import pdf_bytes

    settings.DATA_DIR = tmp_path
    patient, _ = setup
    scan = tmp_path / "scanning.pdf"
    scan.write_bytes(pdf_bytes())
    log_in(page, "breve", TEST_PASSWORD)
    page.locator("#nav-letters").click()
    page.locator("#id_file").set_input_files(str(scan))
    page.locator("#id_sender").fill("Regionshospital Nord")
    page.locator("#id_title").fill("Epikrise")
    page.locator("#incoming-save").click()
    expect(page.locator("#incoming-status")).to_contain_text("Afventer patient")
    page.locator("#nav-worklist").click()
    page.get_by_role("link", name=re.compile("Indgående brev: find patienten")).first.click()
    page.locator("#id_q").fill("Hanne Hoste")
    page.locator("#match-search-go").click()
    page.locator("#match-save").click()
    expect(page.locator("#incoming-patient")).to_contain_text("Hanne Hoste")
    page.locator("#id_note").fill("Til orientering.")
    page.locator("#file-save").click()
    expect(page.locator("#incoming-status")).to_contain_text("Journaliseret")
    page.locator("#incoming-record").click()
    expect(page.locator("main")).to_contain_text("Indgående brev: Epikrise")
    assert JournalEntry.objects.filter(patient=patient, entry_type="letter_in").exists()
