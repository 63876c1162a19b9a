"""A series with a conflict, as a secretary books it: a time and a patient in the booking
panel, Repeat four times weekly, Check shows the taken week with its free alternative
(chosen already), Book books all four in one go."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from klinik.core.models import Membership, Unit
from klinik.core.services import actor_from_membership
from klinik.patients.models import Patient
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.errors import BookingError
from klinik.scheduling.models import Appointment, AppointmentSeries
from klinik.scheduling.tests.factories import Clinic, at, clinic_create, next_workday

from .helpers import log_in
from .test_calendar import danish, settled

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

# Beyond the demo's own bookings (four weeks ahead).
DAYS_AHEAD = 40


@pytest.fixture
def clinic() -> Clinic:
    unit = Unit.objects.get(organisation__slug="laegehuset", name="Lægehuset")
    return clinic_create(unit, doctors=2, rooms=1)


@pytest.fixture
def monday() -> date:
    return next_workday(DAYS_AHEAD, weekday=0, also_open=(7, 14, 21))


@pytest.fixture
def patients(clinic: Clinic) -> list[Patient]:
    return list(Patient.objects.filter(unit=clinic.unit).order_by("pk")[:2])


def test_a_series_with_a_conflict(page: Page, clinic: Clinic, monday: date, patients):
    patient, other = patients
    doctor = clinic.doctors[0]
    secretary = actor_from_membership(Membership.objects.get(user__username="sekretaer"))
    taken = appointment_book(
        actor=secretary,
        patient=other,
        appointment_type=clinic.phone,
        start=at(monday + timedelta(days=7), 9),
        practitioner=doctor,
    )
    log_in(page, "sekretaer")
    params = {
        "resource": str(doctor.public_id),
        "start_date": monday.isoformat(),
        "start_time": "09:00",
        "patient": str(patient.public_id),
    }
    page.goto(f"/calendar/book/?{urlencode(params)}")
    expect(page.locator(".book-patient")).to_have_text(patient.name)
    settled(page, page.locator(f"button[name=pick_type][value='{clinic.phone.public_id}']").click)
    expect(page.locator("#book-confirm")).to_be_focused()
    # Repeat, with the keyboard: open the section, four times, every week, check.
    page.locator("#book-repeat summary").focus()
    page.keyboard.press("Enter")
    count = page.locator("#book-count")
    expect(count).to_be_visible()
    expect(page.locator("#book-every_weeks")).to_have_value("1")
    count.fill("4")
    page.locator("#series-check").focus()
    settled(page, lambda: page.keyboard.press("Enter"))
    rows = page.locator("#series-plan tbody tr")
    expect(rows).to_have_count(4)
    conflict = page.locator("#series-plan tr.is-conflict")
    expect(conflict).to_have_count(1)
    expect(conflict).to_have_attribute("data-occurrence", "1")
    expect(conflict).to_contain_text(danish(BookingError.TAKEN))
    alternative = conflict.locator("input[data-choice=alternative]")
    expect(alternative).to_be_checked()
    expect(conflict.locator("input[data-choice=skip]")).not_to_be_checked()
    assert not AppointmentSeries.objects.exists(), "checking books nothing"
    chosen = datetime.fromisoformat(alternative.get_attribute("value").split("|")[0])
    # Book the series: the calendar opens on its first appointment, "1 of 4".
    expect(page.locator("#series-book")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/calendar/\?.*open="))
    expect(page.locator("#appt-series")).to_have_text(re.compile(r"^1 (af|of) 4$"))
    series = AppointmentSeries.objects.get(patient=patient)
    starts = list(
        Appointment.objects.filter(series=series)
        .order_by("series_index")
        .values_list("start", flat=True)
    )
    assert starts == [
        at(monday, 9),
        chosen,
        at(monday + timedelta(days=14), 9),
        at(monday + timedelta(days=21), 9),
    ]
    assert chosen.date() == taken.start.date() and chosen != taken.start
    taken.refresh_from_db()
    assert taken.status == "booked"
