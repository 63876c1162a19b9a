""" "Hvem har set journalen": from the patient page to the report, narrowed to one person and
a period typed the Danish way, and printed for the patient."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from klinik.audit.choices import Action, Purpose
from klinik.audit.models import AccessLogEntry
from klinik.core.models import User
from klinik.patients.models import Patient

from .helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]


def test_the_secretary_narrows_the_access_report_and_prints_it_for_the_patient(
    page: Page,
) -> None:
    patient = Patient.objects.filter(organisation__slug="laegehuset").order_by("pk").first()
    assert patient is not None
    log_in(page, "laege")
    page.goto(f"/patients/{patient.public_id}/")  # the doctor opens the record
    page.context.clear_cookies()

    log_in(page, "sekretaer")
    page.goto(f"/patients/{patient.public_id}/")
    page.get_by_role("link", name="Hvem har set journalen").click()
    expect(page.locator("h1")).to_have_text("Hvem har set journalen")
    table = page.locator("#access-report")
    doctor = User.objects.get(username="laege").get_full_name()
    expect(table).to_contain_text(doctor)
    expect(table).to_contain_text("Læge")

    page.select_option("#id_person", label=doctor)
    today = timezone.localdate().strftime("%d.%m.%Y")
    page.fill("#id_since", today)
    page.fill("#id_until", today)
    page.select_option("#id_purpose", Purpose.QUALITY.value)
    page.get_by_role("button", name="Vis").click()
    expect(table.locator("tbody tr")).not_to_have_count(0)
    for row in table.locator("tbody tr").all():
        expect(row).to_contain_text(doctor)
    assert AccessLogEntry.objects.filter(
        object_type="access_report", action=Action.VIEW, purpose=Purpose.QUALITY
    ).exists()

    link = page.get_by_role("link", name="Udskriv til patienten (PDF)")
    href = link.get_attribute("href") or ""
    response = page.request.get(page.url.split("?", 1)[0] + href)
    assert response.headers["content-type"] == "application/pdf"
