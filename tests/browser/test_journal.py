"""The journal in a real browser: a secretary writes an entry from a template (with a phrase,
autosaved as a draft) and saves it with Ctrl+Enter — it shows as unapproved; the doctor
approves it in place, then corrects it with a reason, and the versions page shows both texts.
Esc leaves the editor keeping the draft; Latin terms are replaced only when chosen."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from klinik.core.choices import Role
from klinik.core.tests.factories import TEST_PASSWORD, MembershipFactory, UnitFactory
from klinik.patients.tests.factories import PatientFactory
from klinik.records.models import JournalDraft, JournalEntry, JournalSignature
from klinik.terminology.models import GlossaryTerm
from klinik.terminology.services import starter_load

from .helpers import log_in, log_out

pytestmark = [pytest.mark.browser]

# KLINIK_SCREENSHOTS=<dir> keeps screenshots of the steps, for looking at the screens.
SHOTS = os.environ.get("KLINIK_SCREENSHOTS", "")


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def clinic(transactional_db):
    unit = UnitFactory(name="Lægehuset", organisation__name="Lægehuset Åboulevarden")
    secretary = MembershipFactory(
        unit=unit,
        role=Role.SECRETARY,
        user__username="sekretaer",
        user__first_name="Sanne",
        user__last_name="Sekretær",
    )
    doctor = MembershipFactory(
        unit=unit,
        role=Role.DOCTOR,
        user__username="laege",
        user__first_name="Dorthe",
        user__last_name="Lægesen",
    )
    patient = PatientFactory(unit=unit, given_name="Alma", family_name="Skov")
    return unit, secretary, doctor, patient


def test_secretary_writes_doctor_signs_and_corrects(page: Page, clinic) -> None:
    _unit, _secretary, doctor, patient = clinic
    record = f"/patients/{patient.public_id}/record/"

    # The secretary opens the record from the patient page and starts a new entry with "n".
    log_in(page, "sekretaer", TEST_PASSWORD)
    page.goto(f"/patients/{patient.public_id}/")
    page.locator("#open-record").click()
    expect(page).to_have_url(re.compile(re.escape(record) + "$"))
    page.wait_for_load_state("load")
    page.keyboard.press("n")
    expect(page).to_have_url(re.compile(re.escape(record) + "write/$"))
    page.wait_for_load_state("load")

    # A template inserts its headings; a phrase expands on space.
    page.locator("#editor-template").select_option(label="Konsultation (SOAP)")
    text = page.locator("#editor-text")
    expect(text).to_have_value("Subjektivt:\n\n\nObjektivt:\n\n\nVurdering:\n\n\nPlan:\n\n")
    expect(text).to_be_focused()
    text.press_sequentially("Hovedpine i tre dage. .bt ")
    expect(text).to_have_value(
        re.compile(r"^Subjektivt:\nHovedpine i tre dage\. Blodtryk:  /  mmHg\. \n\nObjektivt:")
    )
    page.locator("#editor-responsible").select_option(label="Dorthe Lægesen")
    page.locator("#editor-title").fill("Hovedpine")

    # Autosave: the draft is kept on the server and the editor knows its id.
    text.press("End")
    expect(page.locator("#draft-status")).to_contain_text(re.compile(r"\d\d:\d\d"), timeout=8_000)
    draft = JournalDraft.objects.get(patient=patient)
    assert "Hovedpine i tre dage" in draft.text
    expect(page.locator("#editor-draft")).to_have_value(str(draft.public_id))
    _shot(page, "1-editor")

    # Ctrl+Enter saves to the record: back on the timeline, unapproved.
    text.press("Control+Enter")
    expect(page).to_have_url(re.compile(re.escape(record) + "#entry-"))
    entry = JournalEntry.objects.get(patient=patient)
    row = page.locator(f"#entry-{entry.public_id}")
    expect(row).to_have_class(re.compile(r"\bunapproved\b"))
    expect(row.locator(".badge.warn")).to_be_visible()
    expect(row.locator(".entry-text")).to_contain_text("Blodtryk:  /  mmHg.")
    expect(row.locator(".sign-button")).to_have_count(0)  # a secretary cannot sign
    assert not JournalDraft.objects.exists()
    assert entry.needs_signature and entry.responsible == doctor.user
    _shot(page, "2-saved-unapproved")
    log_out(page)

    # The doctor sees it on the dashboard and approves it in place on the timeline.
    log_in(page, "laege", TEST_PASSWORD)
    expect(page.locator("#to-sign-count")).to_have_text("1")
    page.goto(record)
    page.wait_for_load_state("load")
    row = page.locator(f"#entry-{entry.public_id}")
    with page.expect_response(re.compile(r"/sign/$")) as signed:
        row.locator(".sign-button").click()
    assert signed.value.status == 200
    expect(row.locator(".badge.warn")).to_have_count(0)
    expect(row).not_to_have_class(re.compile(r"\bunapproved\b"))
    expect(row.locator(".signed-by")).to_contain_text("Dorthe Lægesen")
    assert JournalSignature.objects.get(entry=entry).signed_by == doctor.user

    # j focuses the entry, the keyboard reaches "Correct"; a correction needs a reason.
    page.keyboard.press("j")
    expect(row).to_be_focused()
    row.locator(".correct-link").click()
    expect(page).to_have_url(re.compile(r"/write/\?corrects="))
    page.wait_for_load_state("load")  # the editor's keys come with its deferred script
    text = page.locator("#editor-text")
    expect(text).to_have_value(re.compile("Hovedpine i tre dage"))
    expect(page.locator("#correction-note")).to_be_visible()
    text.fill(entry.text.replace("tre dage", "fire dage"))
    text.press("Control+Enter")
    reason = page.locator("#editor-reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_be_focused()
    assert JournalEntry.objects.filter(thread=entry.thread).count() == 1
    _shot(page, "3-correction-needs-reason")
    reason.fill("Varighed fejlskrevet")
    reason.press("Control+Enter")
    expect(page).to_have_url(re.compile(re.escape(record) + "#entry-"))
    page.wait_for_load_state("load")
    new = JournalEntry.objects.get(supersedes=entry)
    assert new.correction_reason == "Varighed fejlskrevet"
    row = page.locator(f"#entry-{new.public_id}")
    expect(row.locator(".entry-text")).to_contain_text("fire dage")
    expect(row.locator(".badge.corrected")).to_be_visible()

    # The versions: both texts, who and why; the original is marked as replaced.
    page.keyboard.press("j")
    expect(row).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/journal/{new.public_id}/versions/$"))
    first, second = page.locator("#version-1"), page.locator("#version-2")
    expect(first).to_have_class(re.compile(r"\bsuperseded\b"))
    expect(first.locator(".version-text")).to_contain_text("Hovedpine i tre dage")
    expect(second).to_have_class(re.compile(r"\bcurrent\b"))
    expect(second.locator(".version-text")).to_contain_text("Hovedpine i fire dage")
    expect(second.locator(".version-reason")).to_have_text("Varighed fejlskrevet")
    expect(first.locator(".version-author")).to_contain_text("Sanne Sekretær")
    expect(second.locator(".version-author")).to_contain_text("Dorthe Lægesen")
    _shot(page, "4-versions")


def test_escape_keeps_the_draft_and_latin_terms_are_replaced_only_when_chosen(
    page: Page, clinic
) -> None:
    _unit, _secretary, _doctor, patient = clinic
    if not GlossaryTerm.objects.filter(latin="otitis media").exists():
        starter_load()  # an earlier transactional test may have flushed what the migration loaded
    record = f"/patients/{patient.public_id}/record/"

    log_in(page, "sekretaer", TEST_PASSWORD)
    page.goto(f"{record}write/")
    page.wait_for_load_state("load")
    text = page.locator("#editor-text")
    text.fill("Pt. med otitis media. Pneumonia udelukket.")

    # The Latin terms are found and offered; the text is unchanged until one is chosen.
    with page.expect_response(re.compile(r"/journal/latin/$")):
        page.locator("#latin-button").click()
    offers = page.locator("#latin-terms [data-latin-term]")
    expect(offers).to_have_count(2)
    expect(text).to_have_value("Pt. med otitis media. Pneumonia udelukket.")
    _shot(page, "5-latin")
    page.locator('[data-replace-with="mellemørebetændelse"]').click()
    expect(text).to_have_value("Pt. med mellemørebetændelse. Pneumonia udelukket.")
    # The other offer still finds its term after the text moved.
    page.locator('[data-replace-with="lungebetændelse"]').click()
    expect(text).to_have_value("Pt. med mellemørebetændelse. Lungebetændelse udelukket.")

    # Esc leaves the editor; the draft is saved first and listed under "Your drafts".
    text.press("Escape")
    expect(page).to_have_url(re.compile(re.escape(record) + "$"))
    draft = JournalDraft.objects.get(patient=patient)
    assert draft.text == "Pt. med mellemørebetændelse. Lungebetændelse udelukket."
    assert not JournalEntry.objects.exists()
    resume = page.locator(f"#drafts a[href$='?draft={draft.public_id}']")
    expect(resume).to_be_visible()
    resume.click()
    expect(page.locator("#editor-text")).to_have_value(draft.text)
    expect(page.locator("#editor-draft")).to_have_value(str(draft.public_id))


def test_a_latin_term_written_twice_is_offered_once_and_replaced_everywhere(
    page: Page, clinic
) -> None:
    _unit, _secretary, _doctor, patient = clinic
    if not GlossaryTerm.objects.filter(latin="otitis media").exists():
        starter_load()
    log_in(page, "sekretaer", TEST_PASSWORD)
    page.goto(f"/patients/{patient.public_id}/record/write/")
    page.wait_for_load_state("load")
    text = page.locator("#editor-text")
    text.fill("Pneumonia? Rtg: pneumonia. Cholecystitis acuta. Rhinitis.")

    with page.expect_response(re.compile(r"/journal/latin/$")):
        page.locator("#latin-button").click()
    offers = page.locator("#latin-terms [data-latin-term]")
    expect(offers).to_have_count(3)
    # one button per replacement; the lay word, never its explanation
    expect(page.locator('[data-replace-with="lungebetændelse"]')).to_have_count(1)
    expect(page.locator('[data-replace-with^="snue"]')).to_have_count(1)
    expect(page.locator('[data-replace-with="snue"]')).to_have_count(1)
    page.locator('[data-replace-with="lungebetændelse"]').click()
    expect(text).to_have_value(
        "Lungebetændelse? Rtg: lungebetændelse. Cholecystitis acuta. Rhinitis."
    )
    # the phrase after it is still found where it moved to
    page.locator('[data-replace-with="akut galdeblærebetændelse"]').click()
    expect(text).to_have_value(
        "Lungebetændelse? Rtg: lungebetændelse. Akut galdeblærebetændelse. Rhinitis."
    )
    page.locator('[data-replace-with="snue"]').click()
    expect(text).to_have_value(
        "Lungebetændelse? Rtg: lungebetændelse. Akut galdeblærebetændelse. Snue."
    )
