"""The LPR error list in a real browser (issue 18): the hospital secretary opens it, follows a
missing aktionsdiagnose's link to the contact on the coding screen, codes the diagnosis,
validates the patient again, and the error is gone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from klinik.reporting.lpr3_report.models import Lpr3Finding

from .helpers import log_in

pytestmark = [pytest.mark.browser]


def test_secretary_fixes_a_missing_aktionsdiagnose_from_the_error_list(page: Page, demo) -> None:
    finding = Lpr3Finding.objects.filter(rule="05.14", fixed_at__isnull=True).get()
    log_in(page, "hospitalssekretaer")
    page.locator("#nav-lpr3").click()
    page.locator("#lpr3-rule").select_option("05.14")
    row = page.locator(
        f"#lpr3-errors tr[data-rule='05.14'][data-patient='{finding.patient.public_id}']"
    )
    expect(row).to_have_count(1)
    expect(row).to_contain_text(finding.patient.cpr_display)

    # Straight to the contact on the coding screen.
    row.locator("a.fix-link").click()
    card = page.locator(f"#contact-{finding.contact.public_id}")  # type: ignore[union-attr]
    expect(card).to_be_visible()
    code_input = card.locator("input[data-code-input=diagnosis]")
    code_input.fill("DE11")
    card.locator("select[name=kind]").select_option("main")
    card.get_by_role("button", name="Tilføj diagnose").click()
    expect(page.locator(f"#contact-{finding.contact.public_id} tr.dx-main td.code")).to_have_text(  # type: ignore[union-attr]
        "DE11"
    )

    # Back on the list: validate the patient again; the error is gone.
    page.locator("#nav-lpr3").click()
    again = page.locator(f"#lpr3-errors tr[data-patient='{finding.patient.public_id}']").first
    again.get_by_role("button", name="Valider igen").click()
    expect(page.locator(".messages")).to_contain_text("Valideret igen")
    expect(
        page.locator(
            f"#lpr3-errors tr[data-rule='05.14'][data-patient='{finding.patient.public_id}']"
        )
    ).to_have_count(0)
    finding.refresh_from_db()
    assert finding.fixed_at is not None
