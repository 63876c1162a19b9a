"""Buying in a real browser (issue 16): the nurse creates a supplier, drafts a purchase order
for ten doses, marks it ordered and receives it with lot and expiry; the stock shows the lot and
its value at the order's price."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import MembershipFactory, UnitFactory
from klinik.purchasing.services import product_create
from klinik.scheduling.tests.factories import at, next_workday

from .helpers import log_in

pytestmark = [pytest.mark.browser]


@pytest.fixture
def setup(transactional_db, clock):
    day = next_workday(days_ahead=3)
    clock.set(at(day, 10))
    unit = UnitFactory(name="Lægehuset", organisation__name="Lægerne ved Torvet")
    nurse = MembershipFactory(unit=unit, role=Role.NURSE, user__username="indkob")
    product_create(
        actor=actor_from_membership(nurse),
        name="Influvac Tetra",
        kind="vaccine",
        atc_code="J07BB02",
    )
    return day


def test_supplier_order_sent_and_received_into_stock(page: Page, setup) -> None:
    from klinik.core.tests.factories import TEST_PASSWORD

    day = setup
    log_in(page, "indkob", TEST_PASSWORD)
    page.locator("#nav-stock").click()
    page.locator("#suppliers-link").click()
    page.locator("#id_name").fill("Vaccinegrossisten")
    page.locator("#id_cvr").fill("12345678")
    page.locator("#supplier-save").click()
    expect(page.locator("#supplier-table")).to_contain_text("Vaccinegrossisten")

    page.locator("#orders-link").click()
    page.locator("#order-supplier").select_option(label="Vaccinegrossisten")
    page.locator("#product-0").select_option(label="Influvac Tetra")
    page.locator("#quantity-0").fill("10")
    page.locator("#cost-0").fill("89,50")
    page.locator("#order-save").click()
    expect(page.locator("#order-status")).to_have_text("Kladde")
    page.locator("#order-send").click()
    expect(page.locator("#order-status")).to_have_text("Bestilt")

    page.locator("#order-lines input[name^='lot-']").fill("AB1234")
    page.locator("#order-lines input[name^='expiry-']").fill(
        f"{day + timedelta(days=200):%d.%m.%Y}"
    )
    page.locator("#order-receive").click()
    expect(page.locator("#order-status")).to_have_text("Modtaget")

    page.locator("#nav-stock").click()
    expect(page.locator("#stock-table [data-lot='AB1234'] .lot-quantity")).to_have_text("10")
    expect(page.locator("#stock-value-total")).to_contain_text("895,00")
