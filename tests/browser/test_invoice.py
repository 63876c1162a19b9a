"""A physiotherapy clinic's secretary invoices a treatment in a real browser (issue 16): the
appointment held yesterday waits under "Aftaler til fakturering", one click issues invoice 1
at the price list's price, the member's subsidy is reported to "danmark", a part payment by
MobilePay leaves the rest open, the open items show it, three weeks later a reminder adds its
fee; an invoice by hand with a VAT-liable certificate gets the next number and its VAT."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from klinik.billing.models import Invoice, Payment
from klinik.billing.tests.factories import appointment_held, treatment_type
from klinik.core.choices import OrganisationKind, Role
from klinik.core.tests.factories import MembershipFactory, UnitFactory
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.tests.factories import at, next_workday

from .helpers import PDF_TIMEOUT_MS, log_in, log_out

pytestmark = [pytest.mark.browser]


@pytest.fixture
def setup(transactional_db, clock):
    day = next_workday(days_ahead=3)
    clock.set(at(day, 15))
    unit = UnitFactory(
        name="Fysioterapi",
        organisation__name="Fysioklinikken",
        organisation__kind=OrganisationKind.THERAPY_CLINIC,
    )
    MembershipFactory(unit=unit, role=Role.SECRETARY, user__username="kasse")
    patient = PatientFactory(unit=unit, given_name="Frida", family_name="Fysio")
    kind = treatment_type(unit, name="Fysioterapi, opfølgning", price="450.00")
    appointment_held(patient, kind, start=at(day, 9) - timedelta(days=1))
    return patient, day


def test_a_treatment_is_invoiced_with_danmark_paid_partly_and_reminded(
    page: Page, setup, clock
) -> None:
    from klinik.core.tests.factories import TEST_PASSWORD

    patient, day = setup
    log_in(page, "kasse", TEST_PASSWORD)
    page.locator("#nav-invoices").click()
    page.locator("#to-invoice-link").click()
    row = page.locator("#appointment-table tbody tr", has_text="Frida Fysio")
    expect(row).to_contain_text("450,00")
    row.get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/invoices/[0-9a-f-]+/$"))
    expect(page.locator("h1")).to_contain_text("1")
    expect(page.locator("#invoice-total")).to_contain_text("450,00")

    # The member's subsidy is reported to "danmark": 135 kr. back to her, 315 kr. her cost.
    page.locator("#danmark-report").click()
    expect(page.locator("#danmark-note")).to_contain_text("135,00")
    expect(page.locator("#danmark-note")).to_contain_text("315,00")

    page.locator("#id_amount").fill("200,00")
    page.locator("#id_method").select_option("mobilepay")
    page.locator("#payment-save").click()
    expect(page.locator("#invoice-open")).to_contain_text("250,00")
    expect(page.locator("#payment-table")).to_contain_text("MobilePay")
    assert Payment.objects.get().amount == 200

    page.locator("#open-items-link").click()
    expect(page.locator("#invoice-table tr[data-invoice='1']")).to_contain_text("250,00")
    invoice_url = f"/invoices/{Invoice.objects.get(number=1).public_id}/"

    # Three weeks on the rest is overdue: a reminder with the fee of 100 kr.
    log_out(page)
    clock.set(at(day + timedelta(days=21), 10))
    log_in(page, "kasse", TEST_PASSWORD)
    page.goto(invoice_url)
    page.locator("#reminder-send").click()
    expect(page.locator("#reminder-table")).to_contain_text("100,00")
    expect(page.locator("#invoice-open")).to_contain_text("350,00")
    reminder = page.request.get(page.url + "reminders/1/pdf/", timeout=PDF_TIMEOUT_MS)
    assert reminder.ok and reminder.body().startswith(b"%PDF")

    # By hand: a certificate with 25 % VAT.
    page.locator("#invoice-new-link").click()
    page.locator("#id_patient_query").fill(patient.cpr)
    page.locator("#id_text_0").fill("Attest til arbejdsgiver")
    page.locator("#id_unit_price_0").fill("400,00")
    page.locator("#id_vat_rate_0").select_option("25")
    page.locator("#invoice-issue").click()
    expect(page.locator("#invoice-total")).to_contain_text("500,00")
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [1, 2]
