"""A patient outside the secretary's unit: break the glass, with a reason, to open the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from klinik.audit.models import AccessLogEntry
from klinik.patients.models import Patient, PatientAccessGrant
from klinik.scheduling.models import Appointment

from .helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

REASON = "Patienten ringer om en akut tid; kardiologisk sekretær er syg."


def test_patient_outside_own_unit_needs_a_reason_to_open(page: Page) -> None:
    # A cardiology patient the endocrinology unit has never booked (a booking there would be
    # a care relation).
    endocrinology_patients = Appointment.objects.filter(
        unit__name="Endokrinologisk ambulatorium"
    ).values("patient_id")
    patient = (
        Patient.objects.filter(
            organisation__slug="medicinsk-ambulatorium", unit__name="Kardiologisk ambulatorium"
        )
        .exclude(pk__in=endocrinology_patients)
        .first()
    )
    assert patient is not None
    patient_url = f"/patients/{patient.public_id}/"

    log_in(page, "hospitalssekretaer")
    response = page.goto(patient_url)
    assert response is not None
    assert response.status == 403
    form = page.locator(f"main form[action='{patient_url}break-glass/']")
    expect(form.locator("textarea#reason")).to_be_visible()
    expect(page.locator("main h1")).to_contain_text("Nødadgang")
    # Nothing about the patient is shown before the glass is broken.
    expect(page.locator("main")).not_to_contain_text(patient.family_name)
    expect(page.locator("main")).not_to_contain_text(patient.cpr_display)

    # No reason: an error at the form, no access.
    with page.expect_response(re.compile(r"/break-glass/$")) as submitted:
        form.locator("button[type=submit]").click()
    assert submitted.value.status == 403
    expect(form.locator(".form-errors[role=alert]")).to_have_text(
        "Nødadgang kræver en begrundelse."
    )
    expect(form.locator("textarea#reason")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("main")).not_to_contain_text(patient.family_name)
    assert not PatientAccessGrant.objects.filter(patient=patient).exists()

    # With a reason the patient page opens, and the access is flagged for review.
    form.locator("textarea#reason").fill(REASON)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(patient_url) + "$"))
    expect(page.locator("main h1")).to_have_text(patient.name)
    expect(page.locator("main .cpr")).to_have_text(patient.cpr_display)
    expect(page.locator("ul.messages .msg-warning")).to_be_visible()
    grant = PatientAccessGrant.objects.get(patient=patient, user__username="hospitalssekretaer")
    assert grant.reason == REASON
    assert AccessLogEntry.objects.filter(
        patient_id=patient.public_id, is_break_glass=True, reason=REASON
    ).exists()

    # Reloading within the grant's time needs no new reason.
    response = page.reload()
    assert response is not None
    assert response.status == 200
    expect(page.locator("main h1")).to_have_text(patient.name)


def test_patient_of_another_organisation_is_not_found(page: Page) -> None:
    patient = Patient.objects.filter(organisation__slug="laegehuset").first()
    assert patient is not None

    log_in(page, "hospitalssekretaer")
    response = page.goto(f"/patients/{patient.public_id}/")
    assert response is not None
    assert response.status == 404
    expect(page.locator("main form textarea#reason")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text(patient.family_name)
