"""A referral from letter to pathway in a real browser (issue 14): the secretary registers it,
the doctor visitates it, its deadlines and the tell-the-patient task show on the referral, the
secretary books the first time before the deadline from the pathway (the booking goes on the
pathway and meets the deadline), and a marker pauses the clock."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from klinik.core.choices import Role
from klinik.core.tests.factories import MembershipFactory, UnitFactory
from klinik.correspondence.tests.helpers import run_due_tasks
from klinik.pathways.engine import working_days_add
from klinik.pathways.models import Deadline, Pathway, Referral, Task
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.models import Appointment
from klinik.scheduling.tests.factories import at, clinic_create, next_workday

from .helpers import log_in, log_out

pytestmark = [pytest.mark.browser]


@pytest.fixture
def day():
    return next_workday(days_ahead=10)


@pytest.fixture
def setup(transactional_db, clock, day):
    clock.set(at(day, 10))
    unit = UnitFactory(name="Lungemedicinsk ambulatorium", organisation__name="Regionshospital")
    clinic = clinic_create(unit)
    MembershipFactory(unit=unit, role=Role.SECRETARY, user__username="henvisning")
    MembershipFactory(unit=unit, role=Role.DOCTOR, user__username="visitator")
    patient = PatientFactory(unit=unit, given_name="Hanne", family_name="Hoste")
    return clinic, patient


def test_a_referral_is_registered_visitated_booked_and_paused(page: Page, setup, day) -> None:
    from klinik.core.tests.factories import TEST_PASSWORD

    clinic, patient = setup
    besked_due = working_days_add(day, 8)

    # The secretary registers the letter.
    log_in(page, "henvisning", TEST_PASSWORD)
    page.locator("#nav-referrals").click()
    page.locator("#referral-new-link").click()
    page.locator("#id_patient_query").fill(patient.cpr)
    page.locator("#id_received_at").fill(f"{day:%d.%m.%Y} 09:00")
    page.locator("#id_referrer_name").fill("Lægerne i Byen")
    page.locator("#id_reason").fill("Hoste i tre måneder, udredning ønskes.")
    page.locator("#id_diagnosis").fill("DJ44")
    page.locator("input[name=rights][value=udredningsret]").check()
    page.locator("#referral-save").click()
    expect(page).to_have_url(re.compile(r"/referrals/[0-9a-f-]+/$"))
    referral = Referral.objects.get()
    expect(page.locator("#deadline-table tr[data-rule=udredningsret-besked] .due")).to_contain_text(
        f"{besked_due:%d.%m.%Y}"
    )
    expect(page.locator("#deadline-table tr[data-rule=udredningsret] .due")).to_contain_text(
        f"{day + timedelta(days=30):%d.%m.%Y}"
    )
    expect(page.locator("#referral-tasks")).to_contain_text("Giv patienten besked")
    task = Task.objects.get()
    assert task.due == besked_due
    # The task and the referral waiting for visitation are in the unit's work queue.
    page.locator("#nav-worklist").click()
    expect(page.locator(f"tr[data-work-item='task:{task.public_id}']")).to_contain_text(
        "Giv patienten besked"
    )
    expect(page.locator(f"tr[data-work-item='referral:{referral.public_id}']")).to_contain_text(
        patient.cpr_display
    )
    log_out(page)

    # The doctor accepts it: a pathway starts.
    log_in(page, "visitator", TEST_PASSWORD)
    page.goto(f"/referrals/{referral.public_id}/")
    page.locator("#id_decision_0").check()
    page.locator("#visitation-save").click()
    expect(page.locator("#referral-status")).to_have_attribute("data-status", "accepted")
    page.locator("#pathway-link").click()
    expect(page).to_have_url(re.compile(r"/pathways/[0-9a-f-]+/$"))
    pathway = Pathway.objects.get()
    log_out(page)

    # The secretary books the first time from the pathway, before the deadline.
    log_in(page, "henvisning", TEST_PASSWORD)
    page.goto(f"/pathways/{pathway.public_id}/")
    page.locator("#book-link").click()
    expect(page.locator(".book-patient")).to_have_text(patient.name)
    page.locator(f"button[name=pick_type][value='{clinic.phone.public_id}']").click()
    slot = page.locator(".slot-list button[name=pick_slot]").first
    expect(slot).to_be_visible()
    slot.click()
    expect(page.locator("#book-confirm")).to_be_visible()
    page.locator("#book-confirm").click()
    expect(page).to_have_url(re.compile(r"/calendar/\?.*open="))
    appointment = Appointment.objects.get(patient=patient)
    assert appointment.start.date() <= besked_due
    run_due_tasks()  # the worker puts the booking on the pathway
    page.goto(f"/pathways/{pathway.public_id}/")
    expect(
        page.locator(f"#pathway-appointments [data-appointment='{appointment.public_id}']")
    ).to_contain_text("forløbet")
    besked = page.locator(".pathway-deadlines li[data-rule=udredningsret-besked] .badge")
    expect(besked).to_have_attribute("data-deadline-status", "met")

    # A marker pauses the clock (not waiting, clinical reason).
    page.locator("#id_code").fill("AFV02K1")
    page.locator("#id_at").fill(f"{day:%d.%m.%Y} 09:30")
    page.locator("#marker-save").click()
    expect(page.locator("#marker-table tr[data-marker=AFV02K1]")).to_be_visible()
    udredning = page.locator(".pathway-deadlines li[data-rule=udredningsret] .badge")
    expect(udredning).to_have_attribute("data-deadline-status", "paused")
    assert Deadline.objects.get(rule__code="udredningsret").is_paused
