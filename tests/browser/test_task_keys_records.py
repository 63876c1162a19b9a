"""Issue 20's keystroke tests for registration and the journal note: keyboard only, every key
counted by `KeyCount`, the navigation keys held to the targets in task_keys.py.

Register a new patient: Alt+N, CPR, Tab, names, Tab, address, Tab, postal code, Tab (the town
is filled in and skipped), phone, Enter — 8 navigation keys (10 before: the legal sex sat
between the names and the address, and the town had to be typed).
Write a two-line note: "/", the name, ArrowDown, Enter (the patient page), Alt+S (the editor,
focus in the text), the first line, Enter, the second line (a personal phrase with merge
fields), Ctrl+Enter — 8 navigation keys (35 before: the text was the 27th Tab stop).
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import TEST_PASSWORD, MembershipFactory, UnitFactory
from klinik.patients.models import Patient
from klinik.patients.tests.factories import PatientFactory
from klinik.records.journal.phrases import phrase_save
from klinik.records.models import JournalEntry
from klinik.terminology.models import PostalCode
from klinik.terminology.services import postal_codes_load

from .helpers import log_in
from .task_keys import TARGETS, KeyCount

pytestmark = [pytest.mark.browser]


@pytest.fixture
def clinic(transactional_db):
    if not PostalCode.objects.exists():  # a flushed test database lost the migration's rows
        postal_codes_load()
    unit = UnitFactory(name="Lægehuset", organisation__name="Lægehuset Åboulevarden")
    secretary = MembershipFactory(
        unit=unit,
        role=Role.SECRETARY,
        user__username="sekretaer",
        user__first_name="Sanne",
        user__last_name="Sekretær",
    )
    return unit, secretary


def test_register_a_new_patient_in_eight_navigation_keys(page: Page, clinic) -> None:
    log_in(page, "sekretaer", TEST_PASSWORD)
    keys = KeyCount(page)

    keys.press("Alt+n")
    expect(page).to_have_url(re.compile(r"/patients/new/$"))
    page.wait_for_load_state("load")  # the live CPR check and the postal lookup are wired
    expect(page.locator("#id_cpr")).to_be_focused()
    keys.type("140380-1234")  # not in the CPR register's test file: everything is typed
    keys.press("Tab")
    keys.type("Birgit")
    keys.press("Tab")
    keys.type("Lauridsen")
    keys.press("Tab")
    expect(page.locator("#id_address_line")).to_be_focused()
    keys.type("Nørregade 7")
    keys.press("Tab")
    keys.type("8000")
    keys.press("Tab")
    # The town comes from the postal code and Tab skips it; Shift+Tab would go back to it.
    expect(page.locator("#id_phone")).to_be_focused()
    expect(page.locator("#id_city")).to_have_value("Aarhus C")
    keys.type("20304050")
    with page.expect_navigation():
        keys.press("Enter")

    expect(page).to_have_url(re.compile(r"/patients/[0-9a-f-]{36}/$"))
    patient = Patient.objects.get(cpr="1403801234")
    assert (patient.given_name, patient.family_name) == ("Birgit", "Lauridsen")
    assert (patient.address_line, patient.postal_code, patient.city) == (
        "Nørregade 7",
        "8000",
        "Aarhus C",
    )
    assert patient.phone == "20304050"
    keys.report("register_patient", decisions=9)
    assert keys.navigation <= TARGETS["register_patient"], keys.log


def test_write_a_two_line_note_from_the_header_search_in_eight_navigation_keys(
    page: Page, clinic
) -> None:
    unit, secretary = clinic
    patient = PatientFactory(unit=unit, given_name="Alma", family_name="Skovgaard")
    phrase_save(
        actor=actor_from_membership(secretary),
        shortcut=".kt",
        text="Kontrol hos {behandler}, {fornavn} ringer ved behov ({dato}).",
    )
    today = timezone.localdate().strftime("%d.%m.%Y")
    log_in(page, "sekretaer", TEST_PASSWORD)
    keys = KeyCount(page)

    keys.press("/")
    expect(page.locator("#global-search")).to_be_focused()
    keys.type("Alma Skovgaard")
    hit = page.locator(f"#search-results a[data-hit][href='/patients/{patient.public_id}/']")
    expect(hit).to_be_visible()
    keys.press("ArrowDown")
    keys.press("Enter")
    expect(page).to_have_url(re.compile(rf"/patients/{patient.public_id}/$"))
    page.wait_for_load_state("load")

    keys.press("Alt+s")
    expect(page).to_have_url(re.compile(rf"/patients/{patient.public_id}/record/write/$"))
    text = page.locator("#editor-text")
    expect(text).to_be_focused()  # the other fields keep their defaults, above (Shift+Tab)
    page.wait_for_load_state("load")
    keys.type("Hovedpine i tre dage, ingen feber.")
    keys.press("Enter")
    keys.type(".kt ")
    expected = (
        "Hovedpine i tre dage, ingen feber.\n"
        f"Kontrol hos Sanne Sekretær, Alma ringer ved behov ({today}). "
    )
    expect(text).to_have_value(expected)
    keys.press("Control+Enter")

    expect(page).to_have_url(re.compile(r"/record/#entry-"))
    entry = JournalEntry.objects.get(patient=patient)
    assert entry.text == expected.strip()
    keys.report("journal_note", decisions=6)
    assert keys.navigation <= TARGETS["journal_note"], keys.log
