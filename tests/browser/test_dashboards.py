"""The hospital secretary's quality dashboard: from the menu to her unit's month, the period
changed by keyboard (the period list, then the "previous" link), and the Excel export with
one sheet per panel."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from klinik.reporting.dashboards.periods import MONTH, period_of

from .helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]


def test_secretary_opens_the_dashboard_changes_period_by_keyboard_and_exports(
    page: Page,
) -> None:
    this_month = period_of(MONTH, timezone.localdate())
    before = this_month.shifted(-1)
    two_before = this_month.shifted(-2)
    log_in(page, "hospitalssekretaer")
    page.locator("#nav-quality").click()
    expect(page).to_have_url(re.compile(rf"/reports/quality/[0-9a-f-]+/\?period={this_month.key}$"))
    expect(page.locator("h1")).to_contain_text("Kvalitet")
    page.wait_for_load_state("load")  # app.js (deferred) submits the period list on change
    expect(page.locator("#chart-no_show > title")).to_have_count(1)
    # The demo department's LPR3 errors, open this month.
    expect(page.locator("#chart-reporting_errors > title")).to_have_count(1)

    # The period list: one step down is the month before; choosing it shows it at once.
    page.locator("#id_period").focus()
    page.keyboard.press("ArrowDown")
    expect(page).to_have_url(re.compile(rf"\?period={before.key}$"))
    expect(page.locator("#quality-period-label")).to_have_text(before.label)

    # The "previous period" link, reached and followed from the keyboard.
    page.locator("#quality-previous").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"\?period={two_before.key}$"))

    page.locator("#quality-next").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"\?period={before.key}$"))

    with page.expect_download() as download:
        page.locator("#quality-export").click()
    assert download.value.suggested_filename == f"kvalitet-{before.key}.xlsx"
    book = load_workbook(BytesIO(Path(download.value.path()).read_bytes()))
    assert len(book.sheetnames) == 7
    assert "DRG-produktion" in book.sheetnames
    assert book["Udeblivelser"]["A3"].value == "Måned"
