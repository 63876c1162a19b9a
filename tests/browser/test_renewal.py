"""A prescription renewal in a real browser (issue 15 item 5), with the demo clinic's users: the
secretary takes a request by phone on the patient's page, prepares it (medication, dose,
pharmacy) for the doctor; the doctor finds it in her work queue and approves it; FMK's local
backend holds what was sent, and the renewal shows approved. The secretary's screen offers no
approval."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from klinik.core.models import User
from klinik.correspondence.models import Renewal
from klinik.patients.models import Patient

from .helpers import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]


def test_a_renewal_is_prepared_by_the_secretary_and_approved_by_the_doctor(
    page: Page, settings, tmp_path
) -> None:
    settings.FMK_OUTBOX_DIR = str(tmp_path / "fmk")
    patient = (
        Patient.objects.filter(organisation__slug="laegehuset", deceased_date__isnull=True)
        .order_by("pk")
        .first()
    )
    assert patient is not None
    doctor = User.objects.get(username="laege")

    log_in(page, "sekretaer")
    page.goto(f"/patients/{patient.public_id}/")
    page.locator("#patient-renewals-link").click()
    page.locator("#id_medication").fill("Furix 40 mg")
    page.locator("#id_request_text").fill("Ringede: pillerne slipper op på fredag")
    page.locator("#renewal-register").click()
    expect(page).to_have_url(re.compile(r"/recepter/[0-9a-f-]{36}/$"))
    renewal = Renewal.objects.filter(patient=patient).latest("created_at")
    expect(page.locator("#renewal-status")).to_have_text("Anmodet")
    page.locator("#id_dose").fill("1 tablet morgen")
    page.locator("#id_pharmacy").fill("Svane Apotek")
    page.locator("#id_doctor").select_option(label=doctor.get_full_name())
    page.locator("#renewal-prepare").click()
    expect(page.locator("#renewal-status")).to_have_text("Forberedt")
    expect(page.locator("#renewal-approve")).to_have_count(0)
    log_out(page)

    log_in(page, "laege")
    page.goto("/arbejdsliste/?kind=renewal&person=me")
    page.locator(f"#worklist-table a[href='/recepter/{renewal.public_id}/']").first.click()
    expect(page.locator("#renewal-medication")).to_contain_text("Furix 40 mg · 1 tablet morgen")
    page.locator("#renewal-approve").click()
    expect(page.locator("#renewal-status")).to_have_text("Godkendt")
    expect(page.locator("#renewal-decided")).to_contain_text(doctor.get_full_name())

    renewal.refresh_from_db()
    assert renewal.decided_by == doctor
    sent = json.loads((tmp_path / "fmk" / f"{renewal.public_id}.json").read_text())
    assert (sent["patient_cpr"], sent["medication"], sent["pharmacy"]) == (
        patient.cpr,
        "Furix 40 mg",
        "Svane Apotek",
    )
