"""Clinic setup in the browser: the manager adds a room and gives it working hours with a
break (the week preview shows them), adds a practitioner's absence that lists the booked
appointment inside it (a manager cannot cancel: the absence is saved only), and the desk,
from the calendar, registers the absence again and cancels the appointment with a notice."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from klinik.core.models import Membership, Unit
from klinik.core.services import actor_from_membership
from klinik.patients.models import Patient
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.models import Absence, Appointment, Resource, WorkingHours
from klinik.scheduling.tests.factories import Clinic, at, clinic_create, next_workday

from .helpers import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

DAYS_AHEAD = 40  # beyond the demo's own bookings


@pytest.fixture
def clinic() -> Clinic:
    unit = Unit.objects.get(organisation__slug="laegehuset", name="Lægehuset")
    return clinic_create(unit, doctors=1, rooms=1)


@pytest.fixture
def day() -> date:
    return next_workday(DAYS_AHEAD)


@pytest.fixture
def booked(clinic: Clinic, day: date) -> Appointment:
    patient = Patient.objects.filter(unit=clinic.unit).order_by("pk").first()
    assert patient is not None
    secretary = actor_from_membership(Membership.objects.get(user__username="sekretaer"))
    return appointment_book(
        actor=secretary,
        patient=patient,
        appointment_type=clinic.phone,
        start=at(day, 9),
        practitioner=clinic.doctors[0],
    )


def _absence(page: Page, day: date) -> None:
    page.locator("#absence-kind").select_option("sick")
    page.locator("#absence-start").fill(f"{day:%d.%m.%Y} 08:00")
    page.locator("#absence-end").fill(f"{day:%d.%m.%Y} 12:00")
    page.locator("#absence-save").click()


def test_manager_sets_up_a_room_and_an_absence_and_the_desk_cancels_with_notice(
    page: Page, clinic: Clinic, day: date, booked: Appointment
) -> None:
    log_in(page, "klinikchef")
    page.goto("/setup/")
    page.locator("a[data-section='setup_resources']").click()
    expect(page).to_have_url(re.compile(r"/setup/resources/"))

    # A new room, then its hours: two rows on one weekday with a break between them.
    page.locator("#resource-add").click()
    page.locator("#resource-kind").select_option("room")
    page.locator("#resource-name").fill("Stue 7")
    page.locator("#resource-save").click()
    expect(page).to_have_url(re.compile(r"/setup/resources/[0-9a-f-]+/hours/$"))
    room = Resource.objects.get(unit=clinic.unit, name="Stue 7")
    for index, (start, end) in enumerate((("08:00", "12:00"), ("13:00", "16:00"))):
        page.locator(f"#id_hours-{index}-weekday").select_option(str(day.weekday()))
        page.locator(f"#id_hours-{index}-start").fill(start)
        page.locator(f"#id_hours-{index}-end").fill(end)
    page.locator("#hours-save").click()
    expect(page.locator("ul.messages")).to_be_visible()
    assert list(WorkingHours.objects.filter(resource=room).values_list("start", "end")) == [
        (at(day, 8).time(), at(day, 12).time()),
        (at(day, 13).time(), at(day, 16).time()),
    ]
    page.locator("#preview-week").fill(f"{day:%d.%m.%Y}")
    page.locator("#preview-week").press("Enter")
    spans = page.locator(f"#preview-table tr[data-day='{day.isoformat()}'] .span")
    expect(spans).to_have_count(2)
    expect(spans.first).to_have_attribute("data-span", "08:00-12:00")
    expect(spans.last).to_have_attribute("data-span", "13:00-16:00")

    # The practitioner's absence falls on a booked appointment: it is listed first; the
    # manager may not cancel it and saves the absence only.
    doctor = clinic.doctors[0]
    page.goto(f"/setup/resources/?unit={clinic.unit.public_id}")
    page.locator(f"#resource-{doctor.public_id} a[href$='/absences/']").click()
    _absence(page, day)
    conflict = page.locator(f"#conflicts-table tr[data-appointment='{booked.public_id}']")
    expect(conflict).to_contain_text(booked.patient.name)
    expect(conflict).to_contain_text("Telefonkonsultation")
    expect(page.locator("#absence-no-booking-right")).to_be_visible()
    expect(page.locator("#absence-cancel-all")).to_have_count(0)
    page.locator("#absence-save-only").click()
    expect(page.locator("#absences-table tbody tr")).to_have_count(1)
    assert Appointment.objects.get(pk=booked.pk).status == AppointmentStatus.BOOKED
    log_out(page)

    # The desk opens the practitioner's absences from the calendar and cancels with notice.
    log_in(page, "sekretaer")
    params = {"date": day.isoformat(), "r": [str(doctor.public_id)]}
    page.goto(f"/calendar/?{urlencode(params, doseq=True)}")
    page.locator(f"a[data-absences='{doctor.public_id}']").click()
    _absence(page, day)
    expect(page.locator(f"tr[data-appointment='{booked.public_id}']")).to_be_visible()
    page.locator("#absence-cancel-all").click()
    expect(page.locator("#absences-table tbody tr")).to_have_count(2)
    expect(page.locator("ul.messages")).to_be_visible()
    cancelled = Appointment.objects.get(pk=booked.pk)
    assert cancelled.status == AppointmentStatus.CANCELLED
    assert cancelled.cancel_reason
    assert Absence.objects.filter(resource=doctor).count() == 2
