"""Reception in a real browser: a card scanned (the CPR typed and Enter, as a barcode scanner
does) checks the patient in on the live board; one-key actions; the walk-in queue and the
waiting-room screen, which shows numbers and never names."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import TEST_PASSWORD, MembershipFactory, UnitFactory
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.models import Appointment, AppointmentEvent
from klinik.scheduling.tests.factories import at, clinic_create, next_workday

from .helpers import log_in

pytestmark = [pytest.mark.browser]


@pytest.fixture
def day():
    return next_workday()


@pytest.fixture
def frozen(clock, day):
    """Reception works on today: today is a working day, 08:30. The live server runs in this
    process, so it sees the same clock."""
    return clock.set(at(day, 8, 30))


@pytest.fixture
def desk(transactional_db, frozen, day):
    unit = UnitFactory(name="Lægehuset", organisation__name="Lægehuset Åboulevarden")
    clinic = clinic_create(unit)
    membership = MembershipFactory(unit=unit, role=Role.SECRETARY, user__username="reception")
    actor = actor_from_membership(membership)
    patient = PatientFactory(
        unit=unit,
        given_name="Alma",
        family_name="Skov",
        phone="22334455",
        birth_date=date(1961, 7, 7),
        cpr="0707614285",
    )
    other = PatientFactory(unit=unit, given_name="Bent", family_name="Holm")
    appointment = appointment_book(
        actor=actor, patient=patient, appointment_type=clinic.consultation, start=at(day, 9)
    )
    appointment_book(
        actor=actor, patient=other, appointment_type=clinic.phone, start=at(day, 9, 30)
    )
    return unit, clinic, patient, other, appointment


def _status(appointment: Appointment) -> str:
    appointment.refresh_from_db()
    return appointment.status


def test_a_scanned_card_checks_the_patient_in_on_the_board(page: Page, desk) -> None:
    unit, clinic, patient, _other, appointment = desk
    log_in(page, "reception", TEST_PASSWORD)
    page.goto("/reception/")
    expect(page).to_have_url(re.compile(rf"/reception/{unit.public_id}/$"))
    row = page.locator(f"#row-{appointment.public_id}")
    expect(page.locator("section.lane-booked").locator(row)).to_be_visible()

    # The scanner types the number and Enter wherever the focus is.
    page.locator("h1").click()
    page.keyboard.type("070761-4285")
    page.keyboard.press("Enter")

    result = page.locator("#check-in-result [data-outcome]")
    expect(result).to_have_attribute("data-outcome", "arrived")
    expect(result).to_contain_text(patient.name)
    expect(result.locator("#contact-phone")).to_have_value("22334455")
    expect(page.locator("section.lane-arrived").locator(row)).to_be_visible()
    expect(page.locator("#check-in-identifier")).to_have_value("")
    expect(page.locator("#check-in-identifier")).to_be_focused()
    assert _status(appointment) == AppointmentStatus.ARRIVED

    # Contact details confirmed at the desk.
    result.locator("#contact-confirm-button").click()
    expect(page.locator("#check-in-result .contact-check .badge.ok")).to_be_visible()
    assert AppointmentEvent.objects.filter(appointment=appointment, kind="contact_checked").exists()

    # Age and the CPR number's last four appear on the focused row only.
    identity = row.locator(".row-identity")
    expect(identity).to_be_hidden()
    # One key on the focused row: in progress, then undo.
    page.locator(f"#row-{appointment.public_id}").focus()
    expect(identity).to_be_visible()
    expect(identity).to_have_text(re.compile(r"^\d+ år · …4285$"))
    page.keyboard.press("i")
    expect(page.locator("section.lane-in_progress").locator(row)).to_be_visible()
    expect(row).to_be_focused()
    assert _status(appointment) == AppointmentStatus.IN_PROGRESS
    page.keyboard.press("z")
    expect(page.locator("section.lane-arrived").locator(row)).to_be_visible()
    assert _status(appointment) == AppointmentStatus.ARRIVED

    # One practitioner's rows: choosing the other practitioner hides this row, all shows it.
    held = {hold.resource_id for hold in appointment.holds}
    other_doctor = next(d for d in clinic.doctors if d.pk not in held)
    page.wait_for_load_state()  # the undo reloads the board; its app.js is deferred
    page.select_option("#practitioner-select", label=other_doctor.name)
    expect(page).to_have_url(re.compile(rf"practitioner={other_doctor.public_id}"))
    expect(page.locator(f"#row-{appointment.public_id}")).to_have_count(0)
    page.wait_for_load_state()  # the select submits through app.js, deferred: wait for it
    page.select_option("#practitioner-select", label="Alle behandlere")
    expect(page.locator(f"#row-{appointment.public_id}")).to_be_visible()


def test_a_walk_in_gets_a_number_shown_on_the_waiting_room_screen_without_the_name(
    page: Page, desk
) -> None:
    unit, clinic, _patient, other, _appointment = desk
    walk_in = PatientFactory(unit=unit, given_name="Gudrun", family_name="Vestergaard")
    log_in(page, "reception", TEST_PASSWORD)
    page.goto(f"/reception/{unit.public_id}/")

    page.locator("#walk-in-query").fill("Gudrun")
    page.locator("#walk-in-query").press("Enter")
    hit = page.locator(".walk-in-hits li", has_text="Gudrun Vestergaard")
    hit.locator("select").select_option(str(clinic.phone.public_id))
    hit.locator("button[type=submit]").click()
    expect(page.locator("#walk-in-result .queue-no")).to_have_text("1")
    expect(page.locator(".queue-list")).to_contain_text("Gudrun Vestergaard")
    queued = Appointment.objects.get(patient=walk_in)
    assert (queued.queue_number, queued.status) == (1, AppointmentStatus.ARRIVED)

    page.goto(f"/reception/{unit.public_id}/waiting-room/")
    expect(page.locator(".waiting .number")).to_have_text(["1"])
    body = page.locator("body")
    for secret in ("Gudrun", "Vestergaard", walk_in.cpr_display, other.given_name):
        expect(body).not_to_contain_text(secret)
