"""A GP secretary approves a day's fees in a real browser (issue 16): yesterday's two
contacts get their fees suggested (consultation and telephone consultation, at the imported
table's amounts), the day waits in the work queue, the secretary opens it from there, adds a
blood sample (2101) to the consultation and approves the day, which leaves the queue."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from klinik.billing.fees.rates import fee_rates_import
from klinik.billing.models import Fee
from klinik.billing.tests.factories import appointment_held
from klinik.core.choices import Role
from klinik.core.tests.factories import MembershipFactory, UnitFactory
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.models import AppointmentType
from klinik.scheduling.tests.factories import at, next_workday

from .helpers import log_in

pytestmark = [pytest.mark.browser]

TABLE = """code;title;kind;group;amount;valid_from;valid_to;source
0101;Konsultation;basic;1;155,32;2020-01-01;;eksempel
0201;Telefonkonsultation;basic;1;31,25;2020-01-01;;eksempel
2101;Blodtagning fra blodåre;supplement;1;62,44;2020-01-01;;eksempel
"""


@pytest.fixture
def setup(transactional_db, clock):
    day = next_workday(days_ahead=3)
    clock.set(at(day + timedelta(days=1), 9))
    fee_rates_import(source=io.StringIO(TABLE))
    unit = UnitFactory(name="Lægehuset", organisation__name="Lægerne i Byen")
    MembershipFactory(unit=unit, role=Role.SECRETARY, user__username="ydelser")
    kinds = {
        attendance: AppointmentType.objects.create(
            organisation_id=unit.organisation_id,
            unit=unit,
            name=name,
            duration_minutes=15,
            attendance=attendance,
        )
        for attendance, name in (("in_person", "Konsultation"), ("phone", "Telefonkonsultation"))
    }
    anna = PatientFactory(unit=unit, given_name="Anna", family_name="Andersen")
    bent = PatientFactory(unit=unit, given_name="Bent", family_name="Bech")
    appointment_held(anna, kinds["in_person"], start=at(day, 9))
    appointment_held(bent, kinds["phone"], start=at(day, 10))
    return day


def test_a_days_fees_are_suggested_queued_and_approved(page: Page, setup) -> None:
    from klinik.core.tests.factories import TEST_PASSWORD

    day = setup
    log_in(page, "ydelser", TEST_PASSWORD)
    page.locator("#nav-fees").click()
    page.locator("#fee-day").fill(f"{day:%d.%m.%Y}")
    page.get_by_role("button", name=re.compile("Vis|Show")).click()
    page.locator("#fee-suggest").click()
    expect(page.locator("#fee-table tbody tr")).to_have_count(2)
    expect(page.locator("#fee-table tr[data-fee='0101']")).to_contain_text("155,32")
    expect(page.locator("#fee-table tr[data-fee='0201']")).to_contain_text("31,25")

    # The day waits in the work queue; the secretary opens it from there.
    page.locator("#nav-worklist").click()
    item = page.locator("tr[data-work-item]", has_text=f"{day:%d.%m.%Y}")
    expect(item).to_be_visible()
    item.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text(f"{day:%d.%m.%Y}")

    # A blood sample taken at the consultation, then approve the day.
    anna_row = page.locator("#fee-edit-table tbody tr", has_text="Anna")
    anna_row.locator("select[name=code]").nth(1).select_option("2101")
    anna_row.locator("button.add-fee").click()
    expect(page.locator("#fee-table tbody tr")).to_have_count(3)
    page.locator("#fee-approve").click()
    expect(page.locator("#fee-table")).not_to_contain_text("Til godkendelse")
    assert set(Fee.objects.values_list("status", flat=True)) == {"approved"}
    page.locator("#nav-worklist").click()
    expect(page.locator("tr[data-work-item]", has_text=f"{day:%d.%m.%Y}")).to_have_count(0)
