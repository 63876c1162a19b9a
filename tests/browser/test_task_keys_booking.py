"""Booking and cancelling counted in keystrokes (issue 20): book a known patient from the
calendar with the type pre-selected, cancel from the day's grid with the default reason, and
cancel from the header search via the patient page; keyboard only (every key through
`KeyCount`, no clicks, no filled fields). The two cancellations also show what the patient
is told, before and after: by SMS for a patient who consented, nothing for one who did not.
Each test prints its counts (run with -s) for docs/task-times.md."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from klinik.core.models import Membership, Unit
from klinik.core.services import actor_from_membership
from klinik.correspondence.models import OutboxMessage
from klinik.correspondence.tests.helpers import plan_notices, reachable_by
from klinik.patients.models import Patient
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.models import Appointment, UnitSchedule
from klinik.scheduling.tests.factories import Clinic, at, clinic_create, next_workday

from .helpers import log_in
from .task_keys import TARGETS, KeyCount

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

# Beyond the demo's own bookings (four weeks ahead), so the doctors' days are free.
DAYS_AHEAD = 40


@pytest.fixture
def clinic() -> Clinic:
    unit = Unit.objects.get(organisation__slug="laegehuset", name="Lægehuset")
    return clinic_create(unit, doctors=2, rooms=1)


@pytest.fixture
def day() -> date:
    return next_workday(DAYS_AHEAD)


def _free_patient(clinic: Clinic) -> Patient:
    """A new patient of the unit: no appointment to come, so the patient page's next one is
    the test's, and one hit for the CPR number."""
    return PatientFactory(unit=clinic.unit)


def _book(clinic: Clinic, patient: Patient, start) -> Appointment:
    actor = actor_from_membership(Membership.objects.get(user__username="sekretaer"))
    return appointment_book(
        actor=actor,
        patient=patient,
        appointment_type=clinic.phone,
        start=start,
        practitioner=clinic.doctors[0],
    )


def _day_url(clinic: Clinic, day: date) -> str:
    params = {"date": day.isoformat(), "r": [str(d.public_id) for d in clinic.doctors]}
    return f"/calendar/?{urlencode(params, doseq=True)}"


def test_book_a_known_patient_with_the_type_preselected(page: Page, clinic: Clinic, day):
    patient = _free_patient(clinic)
    earlier = _book(clinic, patient, at(day, 8))  # the last booked type: phone consultation
    log_in(page, "sekretaer")
    page.goto(_day_url(clinic, day))
    expect(page.locator(".cal-col")).to_have_count(2)
    keys = KeyCount(page)
    keys.press("b")  # the booking panel, the search has the focus
    expect(page.locator("#cal-panel #book-q")).to_be_focused()
    keys.type(patient.cpr)
    expect(page.locator("#book-hits [data-hit]")).to_have_count(1)
    keys.press("Enter")  # the patient; the type comes pre-selected, the free times with it
    chosen = page.locator(f"#cal-panel button[name=pick_type][value='{clinic.phone.public_id}']")
    expect(chosen).to_have_attribute("aria-pressed", "true")
    first_slot = page.locator("#cal-panel button[name=pick_slot]").first
    expect(first_slot).to_be_focused()
    keys.press("Enter")  # the first free time
    expect(page.locator("#cal-panel #book-confirm")).to_be_focused()
    keys.press("Enter")  # confirm
    expect(page.locator("#cal-panel .panel-message")).to_contain_text(patient.name)
    booked = Appointment.objects.filter(patient=patient).exclude(pk=earlier.pk).get()
    assert booked.appointment_type == clinic.phone
    assert booked.status == AppointmentStatus.BOOKED
    keys.report("book_known_patient", decisions=5)
    assert keys.navigation <= TARGETS["book_known_patient"]


def test_cancel_from_the_calendar_tells_a_patient_with_sms_consent(page: Page, clinic: Clinic, day):
    patient = reachable_by(_free_patient(clinic), sms=True)
    appointment = _book(clinic, patient, at(day, 9))
    plan_notices()
    log_in(page, "sekretaer")
    page.goto(_day_url(clinic, day))
    block = page.locator(f"#appt-{appointment.public_id}")
    expect(block).to_be_visible()
    keys = KeyCount(page)
    keys.press("f")  # into the grid
    for _ in range(40):
        if block.evaluate("el => el === document.activeElement"):
            break
        keys.arrow("ArrowDown")
    expect(block).to_be_focused()
    keys.press("Enter")  # the panel opens with the focus in it
    panel = page.locator("#cal-panel")
    expect(panel.locator("[data-panel-title]")).to_be_focused()
    # Before: how the patient will be told, and the choice (on: the patient consented).
    expect(panel.locator("#cancel-notice")).to_contain_text("Patienten får besked på SMS")
    expect(panel.locator("#cancel-notify")).to_be_checked()
    keys.press("a")  # cancel: the default reason is chosen
    expect(panel.locator("#cancel-confirm")).to_be_focused()
    expect(panel.locator("input[name=reason][value=patient]")).to_be_checked()
    keys.press("Enter")
    # After: cancelled, and the patient gets an SMS.
    expect(panel.locator(".panel-message")).to_contain_text("Patienten får besked på SMS")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancel_reason == "Afbud fra patienten"
    plan_notices()
    notice = OutboxMessage.objects.get(
        appointment_public_id=appointment.public_id, kind="cancelled"
    )
    assert (notice.channel, notice.status) == ("sms", "queued")
    keys.report("cancel_from_calendar", decisions=4)
    assert keys.navigation <= TARGETS["cancel_from_calendar"]


def test_cancel_from_the_patient_page_says_a_patient_without_consent_is_not_told(
    page: Page, clinic: Clinic, day
):
    patient = reachable_by(_free_patient(clinic))
    appointment = _book(clinic, patient, at(day, 10))
    log_in(page, "sekretaer")
    keys = KeyCount(page)
    keys.press("/")  # the header search
    expect(page.locator("#global-search")).to_be_focused()
    keys.type(patient.cpr)
    hit = page.locator("#search-results [data-hit]")
    expect(hit).to_have_count(1)
    keys.press("ArrowDown")
    keys.press("Enter")  # the patient page
    next_one = page.locator("#next-appointment")
    expect(next_one).to_be_visible()
    page.wait_for_load_state("load")  # app.js is deferred: its keys work after load
    keys.press("a")  # the next appointment
    expect(next_one).to_be_focused()
    keys.press("Enter")  # its panel, the focus in it
    page.wait_for_load_state("load")
    panel = page.locator("#appt-page")
    expect(panel.locator("[data-panel-title]")).to_be_focused()
    expect(panel.locator("#cancel-notice")).to_contain_text(
        "Ingen besked: intet samtykke til SMS eller e-mail"
    )
    expect(panel.locator("#cancel-notify")).to_have_count(0)
    keys.press("a")
    expect(panel.locator("#cancel-confirm")).to_be_focused()
    keys.press("Enter")
    expect(panel.locator(".panel-message")).to_contain_text(
        "Ingen besked: intet samtykke til SMS eller e-mail"
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    plan_notices()
    notice = OutboxMessage.objects.get(
        appointment_public_id=appointment.public_id, kind="cancelled"
    )
    assert (notice.status, notice.reason) == ("skipped", "no_channel")
    keys.report("cancel_from_patient", decisions=5)
    assert keys.navigation <= TARGETS["cancel_from_patient"]


def test_book_directly_on_enter_and_undo(page: Page, clinic: Clinic, day):
    # The unit's setting: Enter on a free time books at once, with an undo for 10 seconds.
    UnitSchedule.objects.update_or_create(
        unit=clinic.unit,
        defaults={"organisation_id": clinic.unit.organisation_id, "books_on_enter": True},
    )
    patient = _free_patient(clinic)
    earlier = _book(clinic, patient, at(day, 8))
    log_in(page, "sekretaer")
    page.goto(_day_url(clinic, day))
    expect(page.locator(".cal-col")).to_have_count(2)
    keys = KeyCount(page)
    keys.press("b")
    expect(page.locator("#cal-panel #book-q")).to_be_focused()
    keys.type(patient.cpr)
    expect(page.locator("#book-hits [data-hit]")).to_have_count(1)
    keys.press("Enter")
    expect(page.locator("#cal-panel button[name=pick_slot]").first).to_be_focused()
    keys.press("Enter")  # booked at once: no confirm step
    panel = page.locator("#cal-panel")
    expect(panel.locator(".panel-message")).to_contain_text(patient.name)
    undo = panel.locator("#undo-booking")
    expect(undo).to_be_visible()
    assert 0 < int(panel.locator("[data-undo-ms]").get_attribute("data-undo-ms") or 0) <= 10_000
    booked = Appointment.objects.filter(patient=patient).exclude(pk=earlier.pk).get()
    assert (booked.status, booked.appointment_type) == (AppointmentStatus.BOOKED, clinic.phone)
    keys.report("book_known_patient", decisions=4, label=" (book on Enter)")
    assert keys.navigation <= TARGETS["book_known_patient"] - 1
    keys.press("z")  # undo
    expect(panel.locator(".panel-message")).to_contain_text("Bookingen er fortrudt")
    booked.refresh_from_db()
    assert (booked.status, booked.notifies_patient) == (AppointmentStatus.CANCELLED, False)
    plan_notices()
    sent = OutboxMessage.objects.filter(appointment_public_id=booked.public_id)
    assert not sent.filter(status__in=("queued", "held", "sending", "sent")).exists()
