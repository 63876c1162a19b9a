"""The waiting list in a real browser: a cancelled appointment's time goes by SMS (the local
backend: the outbox row is the record) to the patients waiting; the first opens the link from
the SMS, accepts and is booked; the second is told the time is taken and the link says so;
the secretary sees it on the "Venteliste" screen."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import TEST_PASSWORD, MembershipFactory, UnitFactory
from klinik.correspondence.models import OutboxMessage
from klinik.correspondence.tests.helpers import reachable_by, run_due_tasks
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.models import Appointment
from klinik.scheduling.tests.factories import at, clinic_create, next_workday
from klinik.scheduling.transitions import appointment_cancel
from klinik.scheduling.waitlist import waitlist_add

from .helpers import log_in

pytestmark = [pytest.mark.browser]

LINK = re.compile(r"https?://\S+/venteliste/[\w-]+/")


@pytest.fixture
def day():
    return next_workday(days_ahead=10)


@pytest.fixture
def frozen(clock, day):
    """Two days before, mid-morning: SMS go out at once (no quiet hours)."""
    return clock.set(at(day, 10) - timedelta(days=2))


@pytest.fixture
def setup(transactional_db, frozen, day):
    unit = UnitFactory(name="Lægehuset", organisation__name="Lægehuset Åboulevarden")
    clinic = clinic_create(unit)
    membership = MembershipFactory(unit=unit, role=Role.SECRETARY, user__username="venteliste")
    actor = actor_from_membership(membership)
    alma = PatientFactory(unit=unit, given_name="Alma", family_name="Skov")
    appointment = appointment_book(
        actor=actor, patient=alma, appointment_type=clinic.consultation, start=at(day, 9)
    )
    waiting = []
    for given in ("Bente", "Carl"):
        patient = reachable_by(
            PatientFactory(unit=unit, given_name=given, family_name="Ventesen"), sms=True
        )
        waitlist_add(actor=actor, patient=patient, appointment_type=clinic.consultation)
        waiting.append(patient)
    return actor, clinic, appointment, waiting


def _sms_link(patient, kind: str = "waitlist_offer") -> str:
    message = OutboxMessage.objects.get(patient=patient, kind=kind)
    assert message.status == "sent" and message.channel == "sms"
    assert message.provider_reference.startswith("local:")
    return urlsplit(LINK.search(message.body).group(0)).path


def test_a_waiting_list_offer_is_accepted_from_the_sms_link(
    page: Page, browser: Browser, live_server: LiveServer, setup, day
) -> None:
    actor, _clinic, appointment, (bente, carl) = setup
    appointment_cancel(actor=actor, appointment=appointment, reason="Afbud")
    run_due_tasks()  # the worker hands the SMS to the local backend

    bente_link, carl_link = _sms_link(bente), _sms_link(carl)
    page.goto(bente_link)
    expect(page.locator("h1")).to_be_visible()
    page.locator("#waitlist-accept").click()
    expect(page.locator("#waitlist-booked")).to_be_visible()
    booked = Appointment.objects.get(patient=bente)
    assert booked.start == at(day, 9) and booked.status == "booked"

    run_due_tasks()
    taken = OutboxMessage.objects.get(patient=carl, kind="waitlist_taken")
    assert taken.status == "sent"
    page.goto(carl_link)
    expect(page.locator("#waitlist-unavailable")).to_be_visible()
    expect(page.locator("#waitlist-accept")).to_have_count(0)
    assert not Appointment.objects.filter(patient=carl).exists()

    # The secretary's screen: Bente is off the list, Carl's offer was taken.
    staff = browser.new_context(base_url=live_server.url, locale="en-US")
    desk = staff.new_page()
    log_in(desk, "venteliste", TEST_PASSWORD)
    desk.locator("#nav-waitlist").click()
    expect(desk.locator("#waitlist-table")).to_be_visible()
    expect(desk.locator("#waitlist-table")).not_to_contain_text("Bente")
    carl_row = desk.locator("tr", has_text="Carl")
    expect(carl_row.locator("[data-offer-state='taken']")).to_have_count(1)
    staff.close()
