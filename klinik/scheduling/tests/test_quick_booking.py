"""Booking in fewer keys (issue 20): the patient's last booked type comes pre-selected, a
unit may book directly on Enter on a free time (set on the closing-days screen), and such a
booking can be undone for a few seconds, without a notice, by whoever made it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import translation

from klinik.core.choices import Role
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.errors import BookingCode, BookingError
from klinik.scheduling.models import Appointment, UnitSchedule
from klinik.scheduling.tests.factories import at, clinic_create, next_workday
from klinik.scheduling.transitions import appointment_booking_undo

PANEL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "cal-panel"}


@pytest.fixture
def clinic(world):
    return clinic_create(world.unit_a)


@pytest.fixture
def secretary(world, login_as):
    membership = world.member(Role.SECRETARY)
    login_as(membership)
    return membership


@pytest.fixture
def actor(secretary, actor_for):
    return actor_for(secretary)


@pytest.fixture
def day() -> date:
    return next_workday()


def _book(actor, patient, kind, start):
    return appointment_book(actor=actor, patient=patient, appointment_type=kind, start=start)


def _pressed(body: str, kind) -> bool:
    return (
        f'name="pick_type" value="{kind.public_id}" class="type-choice t-{kind.public_id.hex}" '
        'aria-pressed="true"' in body
    )


def test_the_last_booked_type_is_preselected_when_the_patient_is_chosen(
    world, clinic, actor, client, day
):
    _book(actor, world.patient_a, clinic.phone, at(day, 9))
    state = {"unit": str(world.unit_a.public_id)}
    picked = client.post(
        "/calendar/book/", state | {"pick_patient": str(world.patient_a.public_id)}, **PANEL
    )
    body = picked.content.decode()
    assert _pressed(body, clinic.phone)
    assert not _pressed(body, clinic.consultation)
    # The free times come at once, the first with the focus; the list stays to choose from.
    assert 'name="pick_slot"' in body
    assert body.count('name="pick_type"') >= 3
    # A patient never booked: no type chosen, the list has the focus.
    fresh = client.post(
        "/calendar/book/", state | {"pick_patient": str(world.patient_a2.public_id)}, **PANEL
    )
    body = fresh.content.decode()
    assert 'aria-pressed="true"' not in body
    assert 'name="pick_slot"' not in body


def _slot_state(world, clinic, day) -> dict[str, str]:
    return {
        "unit": str(world.unit_a.public_id),
        "patient": str(world.patient_a.public_id),
        "appointment_type": str(clinic.phone.public_id),
        "pick_slot": f"{at(day, 10).isoformat()}|{clinic.doctors[0].public_id}",
    }


def test_picking_a_free_time_asks_to_confirm_unless_the_unit_books_on_enter(
    world, clinic, actor, client, day
):
    picked = client.post("/calendar/book/", _slot_state(world, clinic, day), **PANEL)
    assert 'id="book-confirm"' in picked.content.decode()
    assert not Appointment.objects.exists()
    UnitSchedule.objects.filter(unit=world.unit_a).update(books_on_enter=True)
    booked = client.post("/calendar/book/", _slot_state(world, clinic, day), **PANEL)
    assert booked.status_code == 200
    appointment = Appointment.objects.get()
    assert appointment.start == at(day, 10)
    body = booked.content.decode()
    assert 'id="undo-booking"' in body and "data-undo-ms=" in body
    undone = client.post(f"/calendar/appointments/{appointment.public_id}/undo-booking/", **PANEL)
    assert undone.status_code == 200
    appointment.refresh_from_db()
    assert (appointment.status, appointment.notifies_patient) == ("cancelled", False)
    with translation.override("da"):
        assert appointment.cancel_reason == "Booking fortrudt"


def test_a_booking_can_be_undone_only_within_seconds_and_by_whoever_booked_it(
    world, clinic, actor, actor_for, clock, day
):
    clock.set(at(day - timedelta(days=2), 9))
    appointment = _book(actor, world.patient_a, clinic.phone, at(day, 9))
    other = actor_for(world.member(Role.SECRETARY))
    with pytest.raises(BookingError) as refused:
        appointment_booking_undo(actor=other, appointment=appointment)
    assert refused.value.code == BookingCode.UNDO_TOO_LATE
    clock.advance(seconds=16)
    with pytest.raises(BookingError):
        appointment_booking_undo(actor=actor, appointment=appointment)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    fresh = _book(actor, world.patient_a2, clinic.phone, at(day, 10))
    clock.advance(seconds=9)
    appointment_booking_undo(actor=actor, appointment=fresh)
    fresh.refresh_from_db()
    assert fresh.status == AppointmentStatus.CANCELLED


def test_another_organisations_booking_cannot_be_undone(
    world, clinic, actor, actor_for, client, day
):
    clinic_b = clinic_create(world.unit_b)
    actor_b = actor_for(world.member(Role.SECRETARY, unit=world.unit_b))
    foreign = _book(actor_b, world.patient_b, clinic_b.phone, at(day, 9))
    response = client.post(f"/calendar/appointments/{foreign.public_id}/undo-booking/", **PANEL)
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == AppointmentStatus.BOOKED


def test_the_closing_days_screen_sets_booking_on_enter(world, login_as):
    manager = world.member(Role.MANAGER)
    client = login_as(manager)
    page = client.get("/setup/closing-days/", {"unit": str(world.unit_a.public_id)})
    assert 'name="books_on_enter"' in page.content.decode()
    saved = client.post(
        "/setup/closing-days/",
        {"form": "booking", "unit": str(world.unit_a.public_id), "books_on_enter": "on"},
    )
    assert saved.status_code == 302
    assert UnitSchedule.objects.get(unit=world.unit_a).books_on_enter is True
    foreign = client.post(
        "/setup/closing-days/",
        {"form": "booking", "unit": str(world.unit_b.public_id), "books_on_enter": "on"},
    )
    assert foreign.status_code == 404
    assert not UnitSchedule.objects.filter(unit=world.unit_b, books_on_enter=True).exists()
