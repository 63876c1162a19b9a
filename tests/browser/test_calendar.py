"""The calendar as a secretary uses it: book from a free time and by slot search with the
keyboard, move by drag and drop (and see a refusal snap back) and with the move form, cancel
with a reason."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from klinik.core.models import Membership, Unit
from klinik.core.services import actor_from_membership
from klinik.patients.models import Patient
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.errors import BookingError
from klinik.scheduling.models import Appointment
from klinik.scheduling.tests.factories import Clinic, at, clinic_create, next_workday

from .helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

# Beyond the demo's own bookings (four weeks ahead), so its rooms are free too.
DAYS_AHEAD = 40


@pytest.fixture
def clinic() -> Clinic:
    unit = Unit.objects.get(organisation__slug="laegehuset", name="Lægehuset")
    return clinic_create(unit, doctors=2, rooms=1)


@pytest.fixture
def day() -> date:
    return next_workday(DAYS_AHEAD)


@pytest.fixture
def patient(clinic: Clinic) -> Patient:
    found = Patient.objects.filter(unit=clinic.unit).order_by("pk").first()
    assert found is not None
    return found


@pytest.fixture
def big_page(page: Page) -> Page:
    # Room for the working day, so a drop target is on the screen.
    page.set_viewport_size({"width": 1500, "height": 1100})
    return page


def secretary_actor():
    return actor_from_membership(Membership.objects.get(user__username="sekretaer"))


def day_url(clinic: Clinic, day: date) -> str:
    params = {"date": day.isoformat(), "r": [str(d.public_id) for d in clinic.doctors]}
    return f"/calendar/?{urlencode(params, doseq=True)}"


def column(page: Page, resource) -> str:
    return f".cal-col[data-resource='{resource.public_id}']"


def danish(message: object) -> str:
    from django.utils import translation

    with translation.override("da"):
        return str(message)


def test_book_a_free_time_with_the_keyboard(big_page: Page, clinic: Clinic, day):
    page = big_page
    # A patient never booked: no type comes pre-selected, the list has the focus.
    patient = PatientFactory(unit=clinic.unit)
    doctor = clinic.doctors[0]
    log_in(page, "sekretaer")
    page.goto(day_url(clinic, day))
    expect(page.locator(".cal-col")).to_have_count(2)
    # Into the grid with f, down to 09:00 with the arrow keys, Enter opens the booking panel.
    page.keyboard.press("f")
    first = page.locator(f"{column(page, doctor)} a.cell[data-time='08:00']")
    expect(first).to_be_focused()
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    nine = page.locator(f"{column(page, doctor)} a.cell[data-time='09:00']")
    expect(nine).to_be_focused()
    page.keyboard.press("Enter")
    search = page.locator("#cal-panel #book-q")
    expect(search).to_be_focused()
    expect(page.locator("#cal-panel .book-time")).to_contain_text("09:00")
    # Date and time the Danish way in a browser whose locale is en-US (not 12/07/2026, 9:00 AM).
    expect(page.locator("#book-start-date")).to_have_value(f"{day:%d.%m.%Y}")
    expect(page.locator("#book-start-time")).to_have_value("09:00")
    # Search by CPR number (posted, never in the URL), Enter takes the hit.
    page.keyboard.type(patient.cpr)
    expect(page.locator("#book-hits [data-hit]")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page.locator("#cal-panel .book-patient")).to_have_text(patient.name)
    assert patient.cpr not in page.url
    # The type list has the focus: down to the phone consultation, Enter, then confirm.
    phone = page.locator(f"#cal-panel button[name=pick_type][value='{clinic.phone.public_id}']")
    types = page.locator("#cal-panel button[name=pick_type]")
    expect(types.first).to_be_focused()
    for _ in range(types.count()):
        if phone.evaluate("el => el === document.activeElement"):
            break
        page.keyboard.press("ArrowDown")
    expect(phone).to_be_focused()
    page.keyboard.press("Enter")
    confirm = page.locator("#cal-panel #book-confirm")
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#cal-panel .panel-message")).to_contain_text(patient.name)
    appointment = Appointment.objects.get(patient=patient, start=at(day, 9))
    assert appointment.resource_holds.get().resource == doctor
    # The grid reloads with the new block in the doctor's column.
    expect(page.locator(f"{column(page, doctor)} #appt-{appointment.public_id}")).to_be_visible()


def test_book_by_slot_search_from_the_patient_page_link(big_page: Page, clinic, day, patient):
    page = big_page
    log_in(page, "sekretaer")
    first = clinic.doctors[0]
    page.goto(f"/calendar/book/?patient={patient.public_id}&unit={clinic.unit.public_id}")
    expect(page.locator(".book-patient")).to_have_text(patient.name)
    phone = page.locator(f"button[name=pick_type][value='{clinic.phone.public_id}']")
    settled(page, phone.click)
    # Options: the first doctor, from the chosen day, afternoons only.
    settled(page, lambda: page.locator("#book-practitioner").select_option(str(first.public_id)))
    # Typed as people do ("7.1.2027"); leaving the field writes it out in full.
    typed = page.locator("#book-from")
    typed.fill(f"{day.day}.{day.month}.{day.year}")
    settled(page, lambda: typed.press("Tab"))
    typed = page.locator("#book-from")
    expect(typed).to_have_value(f"{day:%d.%m.%Y}")
    settled(page, lambda: page.locator("#book-part").select_option("afternoon"))
    slots = page.locator(".slot-list button[name=pick_slot]")
    expect(slots.first).to_contain_text(f" {day.day}.{day.month}. 12:30 ")
    slots.first.focus()
    page.keyboard.press("ArrowDown")
    expect(slots.nth(1)).to_be_focused()
    expect(slots.nth(1)).to_contain_text(f" {day.day}.{day.month}. 12:35 ")
    page.keyboard.press("Enter")
    expect(page.locator("#book-confirm")).to_be_focused()
    page.keyboard.press("Enter")
    # Booked: the day in the calendar, with the appointment's panel open.
    expect(page).to_have_url(re.compile(r"/calendar/\?.*open="))
    appointment = Appointment.objects.get(patient=patient, appointment_type=clinic.phone)
    assert appointment.start == at(day, 12, 35)
    expect(page.locator(f"#appt-{appointment.public_id}")).to_have_class(re.compile("is-open"))
    expect(page.locator("#cal-panel [data-appointment-panel]")).to_be_visible()


def settled(page: Page, action) -> None:
    """Do something that makes htmx swap part of the page, and wait until it has settled."""
    page.evaluate(
        """() => { window.calendarSettled = new Promise((done, fail) => {
            document.body.addEventListener("htmx:afterSettle", () => done(true), {once: true});
            setTimeout(() => fail(new Error("htmx did not settle")), 8000);
        }); }"""
    )
    action()
    page.evaluate("() => window.calendarSettled")


def _drag(page: Page, block, target_column: str, minutes_after_eight: int) -> None:
    """Drop a block so that its top lands `minutes_after_eight` after 08:00."""
    row_height = page.locator(target_column).evaluate(
        "col => col.getBoundingClientRect().height / Number(col.dataset.rows)"
    )
    block_height = block.evaluate("el => el.getBoundingClientRect().height")
    y = minutes_after_eight / 5 * row_height + block_height / 2
    block.drag_to(page.locator(target_column), target_position={"x": 40, "y": y})


def test_move_by_drag_and_drop_and_a_refusal_snaps_back(big_page: Page, clinic, day, patient):
    page = big_page
    actor = secretary_actor()
    first, second = clinic.doctors
    early = appointment_book(
        actor=actor,
        patient=patient,
        appointment_type=clinic.phone,
        start=at(day, 9),
        practitioner=first,
    )
    late = appointment_book(
        actor=actor,
        patient=patient,
        appointment_type=clinic.phone,
        start=at(day, 10),
        practitioner=first,
    )
    log_in(page, "sekretaer")
    page.goto(day_url(clinic, day))
    # 10:00 with the first doctor → 11:00 with the second; the grid reloads.
    settled(
        page,
        lambda: _drag(page, page.locator(f"#appt-{late.public_id}"), column(page, second), 180),
    )
    expect(page.locator("#cal-panel .panel-message")).to_contain_text("11:00")
    late.refresh_from_db()
    assert late.start == at(day, 11)
    assert late.resource_holds.get().resource == second
    expect(page.locator(f"{column(page, second)} #appt-{late.public_id}")).to_be_visible()
    # 09:00 onto the second doctor's 11:00, now taken: refused, the block goes back.
    _drag(page, page.locator(f"#appt-{early.public_id}"), column(page, second), 180)
    expect(page.locator("#cal-panel [role=alert]")).to_contain_text(danish(BookingError.TAKEN))
    expect(page.locator(f"{column(page, first)} #appt-{early.public_id}")).to_be_visible()
    expect(page.locator(f"#appt-{early.public_id}")).to_have_class(re.compile(r"\brs-13\b"))
    early.refresh_from_db()
    assert early.start == at(day, 9)
    assert early.resource_holds.get().resource == first
    # The panel offers free times with that doctor instead (from two hours before the time
    # asked for): the first is 09:00, and one click moves it there.
    alternative = page.locator("#cal-panel .slot-list button").first
    expect(alternative).to_be_focused()
    expect(alternative).to_contain_text("09:00")
    alternative.click()
    expect(page.locator("#cal-panel .panel-message")).to_be_visible()
    expect(page.locator(f"{column(page, second)} #appt-{early.public_id}")).to_be_visible()
    early.refresh_from_db()
    assert early.start == at(day, 9)
    assert early.resource_holds.get().resource == second


def test_move_with_the_keyboard_form(big_page: Page, clinic, day, patient):
    page = big_page
    appointment = appointment_book(
        actor=secretary_actor(),
        patient=patient,
        appointment_type=clinic.phone,
        start=at(day, 9),
        practitioner=clinic.doctors[0],
    )
    log_in(page, "sekretaer")
    page.goto(day_url(clinic, day))
    page.locator(f"#appt-{appointment.public_id}").click()
    expect(page.locator("#cal-panel [data-appointment-panel]")).to_be_visible()
    page.keyboard.press("m")  # opens the move form at its time field
    time_field = page.locator("#cal-panel .move-form input[name=time]")
    expect(time_field).to_be_focused()
    time_field.fill("13:40")
    page.locator("#cal-panel .move-form select[name=resource]").select_option(
        str(clinic.doctors[1].public_id)
    )
    time_field.press("Enter")
    expect(page.locator("#cal-panel .panel-message")).to_contain_text("13:40")
    appointment.refresh_from_db()
    assert appointment.start == at(day, 13, 40)
    assert appointment.resource_holds.get().resource == clinic.doctors[1]
    expect(
        page.locator(f"{column(page, clinic.doctors[1])} #appt-{appointment.public_id}")
    ).to_have_class(re.compile(r"\brs-69\b"))


def test_cancel_with_another_reason_needs_its_text(big_page: Page, clinic, day, patient):
    page = big_page
    appointment = appointment_book(
        actor=secretary_actor(),
        patient=patient,
        appointment_type=clinic.phone,
        start=at(day, 9),
        practitioner=clinic.doctors[0],
    )
    log_in(page, "sekretaer")
    page.goto(day_url(clinic, day))
    page.locator(f"#appt-{appointment.public_id}").click()
    panel = page.locator("#cal-panel")
    panel.locator(".cancel-section summary").click()
    # "Other reason" without a text: refused at the field, nothing changed.
    panel.locator(".cancel-form input[name=reason][value=other]").check()
    panel.locator(".cancel-form button[type=submit]").click()
    reason = panel.locator(".cancel-form input[name=reason_text]")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(panel.locator(".cancel-form")).to_contain_text(danish(BookingError.REASON_REQUIRED))
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    reason.fill("Patienten har meldt afbud")
    panel.locator(".cancel-form button[type=submit]").click()
    expect(panel.locator(".panel-message")).to_be_visible()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancel_reason == "Patienten har meldt afbud"
    # Cancelled appointments leave the grid (unless asked for) and free the time.
    expect(page.locator(f"#appt-{appointment.public_id}")).to_have_count(0)
    expect(
        page.locator(f"{column(page, clinic.doctors[0])} a.cell[data-time='09:00']")
    ).to_have_count(1)
