"""The compact reception board in a real browser, by keyboard only: j/k (or the arrows) move
between rows, Enter takes the row's next step (arrived for a visit; a telephone consultation
offers "Ring op" instead), / finds a patient on the board."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import TEST_PASSWORD, MembershipFactory, UnitFactory
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.choices import AppointmentStatus, Attendance
from klinik.scheduling.models import Appointment
from klinik.scheduling.tests.factories import at, clinic_create, next_workday

from .helpers import log_in

pytestmark = [pytest.mark.browser]


@pytest.fixture
def day():
    return next_workday()


@pytest.fixture
def frozen(clock, day):
    """Reception works on today: today is a working day, 08:30 (the live server runs in this
    process and sees the same clock)."""
    return clock.set(at(day, 8, 30))


@pytest.fixture
def desk(transactional_db, frozen, day):
    unit = UnitFactory(name="Lægehuset", organisation__name="Lægehuset Åboulevarden")
    clinic = clinic_create(unit)
    clinic.phone.attendance = Attendance.PHONE
    clinic.phone.save()
    membership = MembershipFactory(unit=unit, role=Role.SECRETARY, user__username="reception")
    actor = actor_from_membership(membership)
    alma = PatientFactory(unit=unit, given_name="Alma", family_name="Skov")
    bent = PatientFactory(unit=unit, given_name="Bent", family_name="Holm")
    visit = appointment_book(
        actor=actor, patient=alma, appointment_type=clinic.consultation, start=at(day, 9)
    )
    call = appointment_book(
        actor=actor, patient=bent, appointment_type=clinic.phone, start=at(day, 9, 30)
    )
    return unit, visit, call


def _status(appointment: Appointment) -> str:
    appointment.refresh_from_db()
    return appointment.status


def test_the_compact_board_works_by_keyboard(page: Page, desk) -> None:
    unit, visit, call = desk
    log_in(page, "reception", TEST_PASSWORD)
    page.goto(f"/reception/{unit.public_id}/?group=time")
    page.wait_for_load_state("load")  # reception.js is deferred
    visit_row = page.locator(f"#row-{visit.public_id}")
    call_row = page.locator(f"#row-{call.public_id}")
    expect(page.locator("table.board-table.compact")).to_be_visible()
    # One visible button per row: the next step.
    expect(visit_row.locator("button:visible")).to_have_count(1)
    expect(visit_row.locator("button[data-primary]")).to_have_text("Ankommet")
    # A telephone consultation is called, never "arrived".
    expect(call_row.locator("button[data-primary]")).to_have_text(re.compile(r"^(Ring op|Call)$"))
    expect(call_row.locator("button[value=arrived]")).to_have_count(0)

    # Away from the check-in box (it has the focus for the scanner), then j to the first row.
    page.locator("h1").click()
    page.keyboard.press("j")
    expect(visit_row).to_be_focused()
    page.keyboard.press("Enter")
    expect(visit_row).to_have_class(re.compile(r"\bstatus-arrived\b"))
    expect(visit_row).to_be_focused()  # the refreshed board keeps the keyboard in place
    assert _status(visit) == AppointmentStatus.ARRIVED
    # Its next step is now "in progress".
    expect(visit_row.locator("button[data-primary]")).to_have_attribute("value", "in_progress")

    # Down to the call and back up with the arrow key.
    page.keyboard.press("j")
    expect(call_row).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(visit_row).to_be_focused()

    # / finds a patient on the board; Enter in the box goes to the first row found.
    page.keyboard.press("/")
    expect(page.locator("#board-search")).to_be_focused()
    page.keyboard.type("Bent")
    expect(visit_row).to_be_hidden()
    page.keyboard.press("Enter")
    expect(call_row).to_be_focused()
    page.keyboard.press("Enter")
    expect(call_row).to_have_class(re.compile(r"\bstatus-in_progress\b"))
    assert _status(call) == AppointmentStatus.IN_PROGRESS
    assert _status(visit) == AppointmentStatus.ARRIVED
