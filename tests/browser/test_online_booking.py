"""Online booking as a patient does it, without logging in: type → time → details → confirm,
then cancel through the link on the confirmation; nothing about anyone else is shown. A
patient who says yes to SMS is told before and after booking where the confirmation goes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import MembershipFactory, UnitFactory
from klinik.patients.models import Patient
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.choices import AppointmentStatus, BookedVia
from klinik.scheduling.models import Appointment
from klinik.scheduling.tests.factories import at, clinic_create, next_workday

pytestmark = [pytest.mark.browser]


@pytest.fixture
def day():
    return next_workday()


@pytest.fixture
def frozen(clock, day):
    """Three days before the day the patient books: online cancellation is still open."""
    return clock.set(at(day, 8) - timedelta(days=3))


@pytest.fixture
def clinic(transactional_db, frozen, day):
    unit = UnitFactory(
        name="Lægehuset", slug="laegehuset", organisation__name="Lægehuset Åboulevarden"
    )
    clinic = clinic_create(unit)
    staff = actor_from_membership(MembershipFactory(unit=unit, role=Role.SECRETARY))
    someone = PatientFactory(unit=unit, given_name="Ingeborg", family_name="Andersen")
    appointment_book(
        actor=staff, patient=someone, appointment_type=clinic.consultation, start=at(day, 9)
    )
    return clinic


def test_a_patient_books_online_and_cancels_through_the_link(page: Page, clinic, day) -> None:
    page.goto(f"/book/{clinic.unit.public_id}/")
    expect(page.locator(".choice")).to_have_count(1)  # only the type bookable online
    page.locator(".choice", has_text=clinic.consultation.name).click()

    expect(page).to_have_url(re.compile(rf"/book/[^/]+/{clinic.consultation.public_id}/$"))
    expect(page.locator(".week-nav")).to_be_visible()
    # The patient looks a few days ahead and opens that day.
    day_section = page.locator(f"#day-{day:%Y%m%d}")
    if not day_section.count():
        page.locator("#later-times").click()
    if day_section.get_attribute("open") is None:
        day_section.locator("summary").click()
    expect(day_section.locator("a.slot", has_text="09:00")).to_have_count(0)  # taken
    expect(page.locator("main")).not_to_contain_text("Ingeborg")
    day_section.locator("a.slot", has_text="10:00").first.click()

    page.locator("#id_given_name").fill("Mette")
    page.locator("#id_family_name").fill("Jensen")
    page.locator("#id_cpr").fill("070761-4285")
    page.locator("#id_phone").fill("20 30 40 50")
    page.locator("form.online-form button[type=submit]").click()

    expect(page.locator("#confirm-booking")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Mette Jensen")
    expect(page.locator("main")).to_contain_text("070761-xxxx")
    page.locator("#confirm-booking").click()

    expect(page).to_have_url(re.compile(r"/book/manage/[^/]+/\?booked=1"))
    expect(page.locator("main [role=status]")).to_be_visible()
    link = page.locator("#manage-link").input_value()
    assert "/book/manage/" in link and "booked" not in link
    appointment = Appointment.objects.get(patient__cpr="0707614285")
    assert appointment.start == at(day, 10)
    assert appointment.booked_via == BookedVia.ONLINE
    assert Patient.objects.get(cpr="0707614285").name == "Mette Jensen"

    # Later, from the link in the confirmation: cancel.
    page.goto(link)
    page.locator("#cancel-appointment").click()
    expect(page.locator("main [role=status]")).to_be_visible()
    expect(page.locator("#cancel-appointment")).to_have_count(0)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED

    # A forged link does nothing and says so.
    response = page.goto(link[:-4] + "abcd/")
    assert response is not None and response.status == 404
    expect(page.locator("main [role=alert]")).to_be_visible()


def _choose_ten_oclock(page: Page, day) -> None:
    expect(page.locator(".week-nav")).to_be_visible()  # the week is on the page
    day_section = page.locator(f"#day-{day:%Y%m%d}")
    if not day_section.count():
        page.locator("#later-times").click()
    if day_section.get_attribute("open") is None:
        day_section.locator("summary").click()
    day_section.locator("a.slot", has_text="10:00").first.click()


def test_a_patient_says_yes_to_sms_and_is_told_where_the_confirmation_goes(
    page: Page, clinic, day
) -> None:
    page.goto("/book/laegehuset/")  # the unit's readable address
    page.locator(".choice", has_text=clinic.consultation.name).click()
    expect(page).to_have_url(re.compile(rf"/book/laegehuset/{clinic.consultation.public_id}/$"))
    _choose_ten_oclock(page, day)

    page.wait_for_load_state()
    page.locator("#id_given_name").fill("Mette")
    page.locator("#id_family_name").fill("Jensen")
    page.locator("#id_cpr").fill("070761-4285")
    page.locator("#id_phone").fill("20 30 40 50")
    consent = page.get_by_label("Ja tak, send mig bekræftelse og påmindelser på SMS")
    consent.focus()
    page.keyboard.press("Space")  # the box is reached and ticked by keyboard
    expect(consent).to_be_checked()
    page.locator("form.online-form button[type=submit]").click()

    notice = page.locator("#notice-route")
    expect(notice).to_have_text("Du får en bekræftelse på SMS til 20 30 40 50.")
    page.locator("#confirm-booking").click()

    expect(page).to_have_url(re.compile(r"/book/manage/[^/]+/\?booked=1$"))
    expect(notice).to_have_text("Du får en bekræftelse på SMS til nummeret, der slutter på 50.")
    patient = Patient.objects.get(cpr="0707614285")
    assert (patient.consent_sms, patient.consent_email) == (True, False)
