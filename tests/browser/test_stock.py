"""Vaccines received with a lot and given to a patient in a real browser (issue 16): the
nurse registers ten doses of lot AB1234 on the stock screen, records a vaccination with that
batch on the patient's vaccinations tab, and the stock shows nine; an expired lot is refused
with a clear message at the batch number and nothing is recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import MembershipFactory, UnitFactory
from klinik.patients.tests.factories import PatientFactory
from klinik.purchasing.models import Lot
from klinik.purchasing.services import product_create, receipt_register
from klinik.records.models import Vaccination
from klinik.scheduling.tests.factories import at, next_workday
from klinik.staff.tests.factories import delegation_grant

from .helpers import log_in

pytestmark = [pytest.mark.browser]


@pytest.fixture
def setup(transactional_db, clock):
    day = next_workday(days_ahead=3)
    clock.set(at(day, 10))
    unit = UnitFactory(name="Lægehuset", organisation__name="Lægerne ved Torvet")
    nurse = MembershipFactory(unit=unit, role=Role.NURSE, user__username="vaccine")
    # Vaccination is a doctor's reserved act: the nurse gives vaccines under a delegation.
    delegation_grant(doctor=MembershipFactory(unit=unit, role=Role.DOCTOR), delegate=nurse.user)
    actor = actor_from_membership(nurse)
    product = product_create(actor=actor, name="Influvac Tetra", kind="vaccine", atc_code="J07BB02")
    old = receipt_register(
        actor=actor, product=product, lot_number="OLD77", expiry=day + timedelta(days=1), quantity=3
    )
    patient = PatientFactory(unit=unit, given_name="Vera", family_name="Vaks")
    return day, patient, old


def test_vaccines_received_by_lot_and_one_given(page: Page, setup, clock) -> None:
    from klinik.core.tests.factories import TEST_PASSWORD

    day, patient, old = setup
    log_in(page, "vaccine", TEST_PASSWORD)
    page.locator("#nav-stock").click()
    page.locator("#id_product").select_option(label="Influvac Tetra")
    page.locator("#id_lot_number").fill("AB1234")
    page.locator("#id_expiry").fill(f"{day + timedelta(days=200):%d.%m.%Y}")
    page.locator("#id_quantity").fill("10")
    page.locator("#id_location").fill("Vaccinekøleskab")
    page.locator("#receipt-save").click()
    expect(page.locator("#stock-table [data-lot='AB1234'] .lot-quantity")).to_have_text("10")

    page.goto(f"/patients/{patient.public_id}/record/vaccinations/")
    page.locator("#vaccination-vaccine").fill("Influvac Tetra")
    page.locator("#vaccination-batch_number").fill("AB1234")
    page.locator("#vaccination-dose").fill("0,5 ml")
    page.locator("#vaccinations-section button.primary").click()
    expect(page.locator("table.vaccinations")).to_contain_text("AB1234")

    page.locator("#nav-stock").click()
    expect(page.locator("#stock-table [data-lot='AB1234'] .lot-quantity")).to_have_text("9")

    # Two days later lot OLD77 has expired: the vaccination is refused, nothing recorded.
    Lot.objects.filter(pk=old.pk).update(expiry=day - timedelta(days=1))
    page.goto(f"/patients/{patient.public_id}/record/vaccinations/")
    page.locator("#vaccination-vaccine").fill("Influvac Tetra")
    page.locator("#vaccination-batch_number").fill("OLD77")
    page.locator("#vaccination-dose").fill("0,5 ml")
    page.locator("#vaccinations-section button.primary").click()
    expect(page.locator("#vaccinations-section")).to_contain_text("OLD77")
    expect(page.locator("#vaccinations-section [role=alert]").first).to_be_visible()
    assert Vaccination.objects.count() == 1
    assert Lot.objects.get(pk=old.pk).quantity == 3
