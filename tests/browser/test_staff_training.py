"""The manager's training planning in a real browser (issue 17): from the staff list to a
secretary's page, plan 48664 Forløbskoordinering, and the competence matrix shows it where
the secretary had a gap in "Planlægning og koordinering af patientforløb"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from klinik.core.choices import Role
from klinik.core.tests.factories import TEST_PASSWORD, MembershipFactory, UnitFactory
from klinik.staff.models import Training

from .helpers import log_in

pytestmark = [pytest.mark.browser]


@pytest.fixture
def clinic(transactional_db):
    unit = UnitFactory(name="Lægehuset", organisation__name="Lægehuset Åboulevarden")
    MembershipFactory(unit=unit, role=Role.MANAGER, user__username="chefen")
    return MembershipFactory(
        unit=unit,
        role=Role.SECRETARY,
        user__username="susanne",
        user__first_name="Susanne",
        user__last_name="Jensen",
    )


def test_a_manager_plans_a_course_and_the_matrix_shows_it(page: Page, clinic) -> None:
    start = timezone.localdate() + timedelta(days=21)
    log_in(page, "chefen", TEST_PASSWORD)
    page.goto("/staff/matrix/")
    gap = page.locator("#matrix-susanne td").nth(5)  # name, role, then the four competences
    expect(gap).to_have_attribute("data-level", "gap")
    expect(gap).not_to_contain_text("48664")

    page.goto("/staff/")
    page.locator("#member-susanne a").first.click()
    form = page.locator("#training-form")
    form.locator("#training-course").select_option("48664")
    form.locator("#training-starts_on").fill(f"{start:%d.%m.%Y}")
    form.locator("#training-provider").fill("EUC Nord")
    form.locator("button[type=submit]").click()
    expect(page.locator("#training-table tr[data-course='48664']")).to_contain_text("EUC Nord")
    assert Training.objects.get().status == "planned"

    page.locator("a[href='/staff/matrix/']").first.click()
    gap = page.locator("#matrix-susanne td").nth(5)
    expect(gap).to_contain_text("48664")
    expect(gap).to_contain_text(f"{start:%d.%m.%Y}")
