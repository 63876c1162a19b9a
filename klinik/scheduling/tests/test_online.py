"""Online self-booking: the public page per unit, identification, booking, the patient's link
to cancel or move, rate limits, and that nothing about other patients is ever shown."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.signing import TimestampSigner
from django.db import connections
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.models import User
from klinik.patients.models import Patient
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.choices import AppointmentStatus, BookedVia
from klinik.scheduling.models import Appointment, UnitSchedule
from klinik.scheduling.online.services import (
    RATE_LIMITS,
    SLOT_FORMAT,
    OnlineError,
    manage_token,
    online_booking_actor,
    rate_limit_allows,
)
from klinik.scheduling.tests.factories import at, clinic_create, next_workday

NEW = {
    "given_name": "Mette",
    "family_name": "Jensen",
    "cpr": "070761-4285",
    "phone": "+45 20 30 40 50",
    "email": "",
}


@pytest.fixture
def day():
    return next_workday()


@pytest.fixture
def clock(clock, day):
    """Two days before the day booked: online cancellation (24 hours) is still open."""
    clock.set(at(day, 8) - timedelta(days=2))
    return clock


@pytest.fixture
def clinic(world, clock):
    return clinic_create(world.unit_a)


@pytest.fixture
def staff(world, actor_for):
    return actor_for(world.member(Role.SECRETARY))


def _key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(SLOT_FORMAT)


def _book_url(clinic, step=""):
    base = f"/book/{clinic.unit.public_id}/{clinic.consultation.public_id}/"
    return base + step


def _identify(client, clinic, start, **fields):
    return client.post(
        _book_url(clinic, "details/"), {"start": _key(start), "with": ""} | NEW | fields
    )


def _book(client, clinic, start, **fields):
    confirm = _identify(client, clinic, start, **fields)
    assert confirm.status_code == 200, confirm.content.decode()[:2000]
    pending = confirm.context["pending"]
    return client.post(_book_url(clinic, "confirm/"), {"pending": pending})


def _booked(response) -> Appointment:
    assert response.status_code == 302, response.content.decode()[:2000]
    token = response["Location"].split("/book/manage/")[1].split("/")[0]
    public_id = TimestampSigner(salt="klinik.online-booking").unsign(token)
    return Appointment.objects.get(public_id=public_id)


# The public page ------------------------------------------------------------------------------


def test_the_public_page_offers_only_types_bookable_online(world, clinic, client):
    response = client.get(f"/book/{world.unit_a.public_id}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert clinic.consultation.name in body
    assert clinic.phone.name not in body and clinic.group.name not in body
    assert (
        client.get(
            _book_url(clinic).replace(
                str(clinic.consultation.public_id), str(clinic.phone.public_id)
            )
        ).status_code
        == 404
    )


def test_a_unit_without_online_types_or_a_made_up_unit_is_not_found(world, clinic, client):
    assert client.get(f"/book/{world.unit_b.public_id}/").status_code == 404
    assert client.get("/book/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_free_times_show_no_one_else(world, clinic, client, staff, day):
    taken = appointment_book(
        actor=staff, patient=world.patient_a, appointment_type=clinic.consultation, start=at(day, 9)
    )
    response = client.get(_book_url(clinic) + f"?from={day.isoformat()}")
    assert response.status_code == 200
    body = response.content.decode()
    offered = {slot.start for d in response.context["days"] for slot in d.slots}
    assert at(day, 10) in offered
    assert taken.start not in offered  # the only room is held
    patient = world.patient_a
    for secret in (patient.given_name, patient.family_name, patient.cpr, str(taken.public_id)):
        assert secret not in body
    assert "Læge 1" in body  # the practitioner's name is fine


# Booking --------------------------------------------------------------------------------------


def test_a_new_patient_books_online_and_is_registered(world, clinic, client, day):
    response = _book(client, clinic, at(day, 10))
    appointment = _booked(response)
    assert "?booked=1" in response["Location"]
    assert appointment.start == at(day, 10)
    assert appointment.booked_via == BookedVia.ONLINE
    assert appointment.booked_by is None
    patient = appointment.patient
    assert (patient.name, patient.cpr, patient.phone) == ("Mette Jensen", "0707614285", "20304050")
    assert (patient.organisation_id, patient.unit_id) == (world.org_a.pk, world.unit_a.pk)
    service_user = User.objects.get(username="online-booking-org-a")
    entries = AccessLogEntry.objects.filter(patient_id=patient.public_id)
    assert {e.action for e in entries} >= {"create"}
    assert all(e.user_id == service_user.pk for e in entries)
    page = client.get(response["Location"]).content.decode()
    assert clinic.consultation.name in page
    assert "Mette" not in page and "0707614285" not in page


def test_an_existing_patient_with_the_registered_name_is_booked_without_a_new_record(
    world, clinic, client, day
):
    patient = world.patient_a
    patient.phone = "11112222"
    patient.save()
    before = Patient.objects.count()
    response = _book(
        client,
        clinic,
        at(day, 10),
        given_name=patient.given_name.upper(),
        family_name=patient.family_name,
        cpr=patient.cpr,
        phone="33334444",
    )
    appointment = _booked(response)
    assert appointment.patient_id == patient.pk
    assert Patient.objects.count() == before
    patient.refresh_from_db()
    assert patient.phone == "11112222"  # an anonymous visitor does not change the register
    assert "33334444" in appointment.note


def test_a_cpr_number_registered_under_another_name_books_nothing(world, clinic, client, day):
    before = Patient.objects.count()
    response = _book(
        client,
        clinic,
        at(day, 10),
        given_name="Fremmed",
        family_name="Person",
        cpr=world.patient_a.cpr,
    )
    assert response.status_code == 400
    with translation.override("da"):
        assert escape(str(OnlineError.NOT_CONFIRMED)) in response.content.decode()
    assert world.patient_a.given_name not in response.content.decode()
    assert Patient.objects.count() == before
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"cpr": "3102001234"}, "cpr"),
        ({"phone": "", "email": ""}, "phone"),
        ({"phone": "12"}, "phone"),
        ({"phone": "", "email": "not-an-address"}, "email"),
        ({"given_name": ""}, "given_name"),
    ],
)
def test_identification_errors_are_shown_at_the_field(clinic, client, day, fields, field):
    response = _identify(client, clinic, at(day, 10), **fields)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Patient.objects.filter(cpr="0707614285").exists()


def test_a_tampered_confirmation_books_nothing(clinic, client, day):
    confirm = _identify(client, clinic, at(day, 10))
    pending = confirm.context["pending"]
    forged = pending[:-3] + ("AAA" if not pending.endswith("AAA") else "BBB")
    response = client.post(_book_url(clinic, "confirm/"), {"pending": forged})
    assert response.status_code == 400
    assert not Appointment.objects.exists()
    assert not Patient.objects.filter(cpr="0707614285").exists()


def test_a_confirmation_left_too_long_books_nothing(clinic, client, clock, day):
    confirm = _identify(client, clinic, at(day, 10))
    clock.advance(hours=1)
    response = client.post(_book_url(clinic, "confirm/"), {"pending": confirm.context["pending"]})
    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_a_time_taken_meanwhile_offers_other_times_and_registers_no_one(
    world, clinic, client, staff, day
):
    confirm = _identify(client, clinic, at(day, 10))
    appointment_book(
        actor=staff,
        patient=world.patient_a,
        appointment_type=clinic.consultation,
        start=at(day, 10),
    )
    response = client.post(_book_url(clinic, "confirm/"), {"pending": confirm.context["pending"]})
    assert response.status_code == 409
    assert response.context["days"], "other free times are offered"
    assert not Patient.objects.filter(cpr="0707614285").exists()
    assert Appointment.objects.count() == 1


def test_a_type_not_bookable_online_cannot_be_booked_by_changing_the_form(clinic, client, day):
    url = f"/book/{clinic.unit.public_id}/{clinic.phone.public_id}/details/"
    response = client.post(url, {"start": _key(at(day, 10))} | NEW)
    assert response.status_code == 404
    assert not Appointment.objects.exists()


# The patient's link ---------------------------------------------------------------------------


def test_cancelling_through_the_link(clinic, client, day):
    appointment = _booked(_book(client, clinic, at(day, 10)))
    url = f"/book/manage/{manage_token(appointment)}/"
    response = client.post(url)
    assert response.status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancel_reason
    # Cancelling again changes nothing.
    assert client.post(url).status_code == 409


def test_cancelling_too_late_is_refused_with_the_units_limit(clinic, client, clock, day):
    UnitSchedule.objects.filter(unit=clinic.unit).update(online_cancel_hours=72)
    appointment = _booked(_book(client, clinic, at(day, 10)))
    response = client.post(f"/book/manage/{manage_token(appointment)}/")
    assert response.status_code == 409
    assert "72" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED

    UnitSchedule.objects.filter(unit=clinic.unit).update(online_cancel_hours=24)
    clock.set(at(day, 10) - timedelta(hours=23))
    assert client.post(f"/book/manage/{manage_token(appointment)}/").status_code == 409
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_a_forged_link_does_nothing_and_says_so(clinic, client, day):
    appointment = _booked(_book(client, clinic, at(day, 10)))
    token = manage_token(appointment)
    other_salt = TimestampSigner(salt="something-else").sign(str(appointment.public_id))
    for forged in (token[:-2] + "xx", other_salt, str(appointment.public_id), "nonsense"):
        for response in (
            client.get(f"/book/manage/{forged}/"),
            client.post(f"/book/manage/{forged}/"),
            client.post(f"/book/manage/{forged}/move/", {"start": _key(at(day, 11))}),
        ):
            assert response.status_code == 404
            with translation.override("da"):
                assert escape(str(OnlineError.LINK_INVALID)) in response.content.decode()
    appointment.refresh_from_db()
    assert (appointment.status, appointment.start) == (AppointmentStatus.BOOKED, at(day, 10))


def test_a_link_expires_at_the_appointments_start(clinic, client, clock, day):
    appointment = _booked(_book(client, clinic, at(day, 10)))
    clock.set(at(day, 10))
    response = client.get(f"/book/manage/{manage_token(appointment)}/")
    assert response.status_code == 410
    assert client.post(f"/book/manage/{manage_token(appointment)}/").status_code == 410
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_moving_through_the_link(clinic, client, day):
    appointment = _booked(_book(client, clinic, at(day, 10)))
    url = f"/book/manage/{manage_token(appointment)}/move/"
    page = client.get(url + f"?from={day.isoformat()}")
    assert page.status_code == 200
    offered = {slot.start for d in page.context["days"] for slot in d.slots}
    assert at(day, 11) in offered
    response = client.post(url, {"start": _key(at(day, 11)), "with": ""})
    assert response.status_code == 302
    assert response["Location"].endswith("?moved=1")
    appointment.refresh_from_db()
    assert appointment.start == at(day, 11)


def test_the_link_works_for_an_appointment_booked_by_the_staff(world, clinic, client, staff, day):
    appointment = appointment_book(
        actor=staff,
        patient=world.patient_a,
        appointment_type=clinic.phone,
        start=at(day, 9),
    )
    page = client.get(f"/book/manage/{manage_token(appointment)}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert world.patient_a.given_name not in body
    assert 'id="move-link"' not in body  # a type not bookable online is not moved online
    assert client.post(f"/book/manage/{manage_token(appointment)}/").status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


# Protection -----------------------------------------------------------------------------------


def test_identification_attempts_are_limited_per_address(clinic, client, day):
    for _attempt in range(RATE_LIMITS["identify"]):
        response = _identify(client, clinic, at(day, 10), cpr="12")
        assert response.status_code == 400
    limited = _identify(client, clinic, at(day, 10))
    assert limited.status_code == 429
    with translation.override("da"):
        assert escape(str(OnlineError.RATE_LIMITED)) in limited.content.decode()
    # Another address is not held back.
    other = client.post(
        _book_url(clinic, "details/"),
        {"start": _key(at(day, 10)), "with": ""} | NEW,
        REMOTE_ADDR="10.9.8.7",
    )
    assert other.status_code == 200


def test_bookings_are_limited_per_address(clinic, client, day):
    confirm = _identify(client, clinic, at(day, 10))
    pending = confirm.context["pending"]
    for _attempt in range(RATE_LIMITS["book"]):
        client.post(_book_url(clinic, "confirm/"), {"pending": pending + "x"})
    response = client.post(_book_url(clinic, "confirm/"), {"pending": pending})
    assert response.status_code == 429
    assert not Appointment.objects.exists()


def test_public_forms_keep_csrf_protection(clinic, day):
    client = Client(enforce_csrf_checks=True)
    response = client.post(_book_url(clinic, "details/"), {"start": _key(at(day, 10))} | NEW)
    assert response.status_code == 403


def test_the_service_user_cannot_log_in_and_holds_only_booking_permissions(world, clinic, client):
    actor = online_booking_actor(world.unit_a)
    user = actor.user
    assert not user.is_active and not user.has_usable_password()
    assert actor.permissions == {"patient.view", "patient.edit", "schedule.book"}
    response = client.post("/login/", {"username": user.username, "password": ""})
    assert response.status_code != 302
    # One user per organisation, made once.
    assert online_booking_actor(world.unit_a).user.pk == user.pk
    assert online_booking_actor(world.unit_b).user.pk != user.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_from_one_address_never_slip_past_the_limit():
    """17 booking attempts at once from one address against the limit of 10: exactly 10 get
    through (the cache's read-then-write let 14 past)."""
    attempts = RATE_LIMITS["book"] + 7
    barrier = threading.Barrier(attempts)
    results: list[bool] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            barrier.wait()
            allowed = rate_limit_allows("book", "10.1.2.3")
            with lock:
                results.append(allowed)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True] * RATE_LIMITS["book"]
