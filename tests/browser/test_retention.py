"""The manager's retention report: from the menu to the list, a sort and the CSV."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from klinik.core.models import Unit
from klinik.patients.models import Patient
from klinik.patients.tests.factories import PatientFactory

from .helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]


def test_manager_opens_the_retention_report_sorts_it_and_downloads_it(page: Page) -> None:
    unit = Unit.objects.get(organisation__slug="laegehuset", name="Lægehuset")
    old = PatientFactory(unit=unit, given_name="Ældgammel", family_name="Journalsen")
    # Registered twelve years ago and never written to: past the limit.
    Patient.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=365 * 12))

    log_in(page, "klinikchef")
    page.locator("nav.mainnav a[href='/reports/retention/']").click()
    expect(page).to_have_url(re.compile(r"/reports/retention/$"))
    expect(page.locator("#retention-nothing-deleted")).to_be_visible()
    expect(page.locator("#retention-count")).to_have_attribute("data-count", "1")
    row = page.locator(f"#retention tr[data-patient='{old.public_id}']")
    expect(row).to_contain_text("Ældgammel Journalsen")
    expect(row).to_contain_text(f"{old.cpr[:6]}-····")

    # Sorting by name swaps the table in place (htmx) and keeps the address.
    page.locator("#sort-name").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#retention")).to_have_attribute("data-sort", "name")
    expect(page).to_have_url(re.compile(r"\?sort=name$"))

    with page.expect_download() as download:
        page.locator("#retention-export").click()
    assert download.value.suggested_filename.startswith("opbevaring-")
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Ældgammel Journalsen" in content
    assert old.cpr not in content
