"""Go-live (issue 13): a manager sets up a new unit from nothing — the unit, a practitioner and
a room with working hours, an appointment type needing both, an absence and a closing day —
and the secretary books into it from the calendar by keyboard. The slot search honours the
absence and the closing day."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from klinik.core.models import Unit
from klinik.patients.models import Patient
from klinik.scheduling.models import Absence, Appointment, AppointmentType, Resource
from klinik.scheduling.slots import find_slots
from klinik.scheduling.tests.factories import at, next_workday

from .helpers import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]


def _hours(page: Page, days: tuple[date, ...]) -> None:
    """On the resource's hours page: 08:00-16:00 on each of the days' weekdays."""
    for index, day in enumerate(days):
        page.locator(f"#id_hours-{index}-weekday").select_option(str(day.weekday()))
        page.locator(f"#id_hours-{index}-start").fill("08:00")
        page.locator(f"#id_hours-{index}-end").fill("16:00")
    page.locator("#hours-save").click()
    expect(page.locator("ul.messages")).to_be_visible()


def test_a_manager_sets_up_a_new_unit_and_the_desk_books_into_it(page: Page) -> None:
    day = next_workday(30, also_open=(1,))
    closed = day + timedelta(days=1)
    log_in(page, "klinikchef")

    # The unit.
    page.goto("/setup/")
    page.locator("#setup-sections a[data-section='setup_units']").click()
    page.locator("#unit-add").click()
    page.locator("#id_name").fill("Filial Nord")
    page.locator("#unit-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/setup/units/$"))
    unit = Unit.objects.get(name="Filial Nord")

    # A practitioner and a room, each with hours on the two days.
    for kind, name in (("practitioner", "Læge Nord"), ("room", "Stue N1")):
        page.goto(f"/setup/resources/?unit={unit.public_id}")
        page.locator("#resource-add").click()
        page.locator("#resource-kind").select_option(kind)
        page.locator("#resource-name").fill(name)
        page.locator("#resource-save").click()
        expect(page).to_have_url(re.compile(r"/setup/resources/[0-9a-f-]+/hours/$"))
        _hours(page, (day, closed))
    doctor = Resource.objects.get(unit=unit, name="Læge Nord")
    room = Resource.objects.get(unit=unit, name="Stue N1")

    # A type needing both.
    page.goto(f"/types/add/?unit={unit.public_id}")
    page.locator("#id_name").fill("Konsultation Nord")
    page.locator("#id_duration_minutes").fill("20")
    page.locator("#id_buffer_minutes").fill("0")
    page.locator("#id_need_practitioner").check()
    page.locator("#id_need_room").check()
    page.locator("#type-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/types/\?unit="))
    kind = AppointmentType.objects.get(unit=unit, name="Konsultation Nord")

    # The practitioner is on a course over lunch; the unit is closed the next day.
    page.goto(f"/setup/resources/{doctor.public_id}/absences/")
    page.locator("#absence-kind").select_option("course")
    page.locator("#absence-start").fill(f"{day:%d.%m.%Y} 12:00")
    page.locator("#absence-end").fill(f"{day:%d.%m.%Y} 13:00")
    page.locator("#absence-save").click()
    expect(page.locator("#absences-table tbody tr")).to_have_count(1)
    assert Absence.objects.filter(resource=doctor).count() == 1
    page.goto(f"/setup/closing-days/?unit={unit.public_id}")
    page.locator("#closure-first_day").fill(f"{closed:%d.%m.%Y}")
    page.locator("#closure-note").fill("Personaledag")
    page.locator("#closure-save").click()
    expect(page.locator("#closures-table")).to_contain_text("Personaledag")
    log_out(page)

    found = find_slots(
        appointment_type=kind, start=at(day, 0), end=at(closed + timedelta(days=1), 0), limit=100
    )
    starts = [slot.start for slot in found]
    assert at(day, 8) in starts
    assert not [s for s in starts if at(day, 11, 41) <= s < at(day, 13)]  # the course
    assert not [s for s in starts if s >= at(closed, 0)]  # the closing day

    # The secretary books the unit's first appointment by keyboard.
    patient = Patient.objects.filter(organisation=unit.organisation).order_by("pk").first()
    assert patient is not None
    log_in(page, "sekretaer")
    params = {"unit": str(unit.public_id), "date": day.isoformat(), "r": [str(doctor.public_id)]}
    page.goto(f"/calendar/?{urlencode(params, doseq=True)}")
    page.keyboard.press("f")
    eight = page.locator(f".cal-col[data-resource='{doctor.public_id}'] a.cell[data-time='08:00']")
    expect(eight).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#cal-panel #book-q")).to_be_focused()
    page.keyboard.type(patient.cpr)
    expect(page.locator("#book-hits [data-hit]")).to_have_count(1)
    page.keyboard.press("Enter")
    pick = page.locator(f"#cal-panel button[name=pick_type][value='{kind.public_id}']")
    expect(pick).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#cal-panel #book-confirm")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#cal-panel .panel-message")).to_contain_text(patient.name)
    appointment = Appointment.objects.get(patient=patient, start=at(day, 8), appointment_type=kind)
    assert {h.resource_id for h in appointment.resource_holds.all()} == {doctor.pk, room.pk}
