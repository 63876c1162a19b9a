"""Issue 11.5: the booking page at the unit's readable address, a public "not found", the
clinic's phone where the page says to call, a warning before booking a time inside the online
cancellation limit, one neutral answer whether or not a CPR number is known, and names that
are names."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from klinik.core.models import Unit
from klinik.patients.errors import PatientInvalid
from klinik.patients.models import Patient
from klinik.scheduling.models import Appointment, UnitSchedule
from klinik.scheduling.online import services
from klinik.scheduling.online.errors import OnlineError
from klinik.scheduling.online.services import RATE_LIMITS, manage_token
from klinik.scheduling.tests.factories import at, clinic_create, next_workday
from klinik.scheduling.tests.test_online import (
    NEW,
    _book,
    _book_url,
    _booked,
    _identify,
    _key,
)

PHONE = "86 12 34 56"


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
    Unit.objects.filter(pk=world.unit_a.pk).update(slug="laegehuset", phone=PHONE)
    world.unit_a.refresh_from_db()
    return clinic_create(world.unit_a)


def _da(text: object) -> str:
    """As the page shows it (Danish, escaped): a message constant or an English msgid."""
    with translation.override("da"):
        return escape(gettext(str(text)))


# The readable address -------------------------------------------------------------------------


def test_the_booking_pages_answer_at_the_units_readable_address(clinic, client, day):
    kind = clinic.consultation
    page = client.get("/book/laegehuset/")
    assert page.status_code == 200
    body = page.content.decode()
    assert kind.name in body
    assert f'href="/book/laegehuset/{kind.public_id}/"' in body  # links keep the address
    slots = client.get(f"/book/laegehuset/{kind.public_id}/?from={day.isoformat()}")
    assert slots.status_code == 200
    assert f"/book/laegehuset/{kind.public_id}/details/" in slots.content.decode()
    # Booking through the readable address works to the end.
    confirm = client.post(
        f"/book/laegehuset/{kind.public_id}/details/",
        {"start": _key(at(day, 10)), "with": ""} | NEW,
    )
    assert confirm.status_code == 200
    assert f'action="/book/laegehuset/{kind.public_id}/confirm/"' in confirm.content.decode()


def test_the_links_by_the_units_id_keep_working(world, clinic, client):
    assert client.get(f"/book/{world.unit_a.public_id}/").status_code == 200
    assert client.get(_book_url(clinic)).status_code == 200


# Not found ------------------------------------------------------------------------------------


def test_unknown_booking_addresses_get_a_public_page_without_staff_wording(world, clinic, client):
    kind = clinic.consultation
    staff_wording = [
        _da("Back to the dashboard"),
        _da("The page or record does not exist, or you do not have access to it."),
    ]
    for url in (
        "/book/",
        "/book/ukendt/",
        "/book/ukendt/noget/andet/",
        f"/book/{world.unit_a2.slug}/",  # offers nothing online
        f"/book/laegehuset/{uuid.uuid4()}/",
        "/book/laegehuset/ikke-en-type/",
        f"/book/laegehuset/{kind.public_id}/details/?start=nonsense",
        f"/book/{uuid.uuid4()}/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        body = response.content.decode()
        assert 'id="public-not-found"' in body, url
        assert _da("Page not found") in body
        for words in staff_wording:
            assert words not in body, url


# The clinic's phone -----------------------------------------------------------------------------


def _shows_phone(body: str) -> bool:
    return 'href="tel:86123456"' in body and PHONE in body


def test_the_clinics_phone_is_shown_where_the_page_says_to_call(clinic, client, clock, day):
    appointment = _booked(_book(client, clinic, at(day, 10)))
    url = f"/book/manage/{manage_token(appointment)}/"
    assert not _shows_phone(client.get(url).content.decode())  # nothing to call about yet
    clock.set(at(day, 10) - timedelta(hours=3))  # online cancellation has closed
    page = client.get(url).content.decode()
    assert _shows_phone(page)
    refused = client.post(url)
    assert refused.status_code == 409
    assert _shows_phone(refused.content.decode())
    move = client.get(url + "move/")
    assert _shows_phone(move.content.decode())


def test_the_clinics_phone_is_shown_when_attempts_are_limited(clinic, client, day):
    for _attempt in range(RATE_LIMITS["identify"]):
        _identify(client, clinic, at(day, 10), cpr="12")
    limited = _identify(client, clinic, at(day, 10))
    assert limited.status_code == 429
    assert _shows_phone(limited.content.decode())


def test_a_unit_without_a_phone_shows_no_empty_number(clinic, client, clock, day):
    Unit.objects.filter(pk=clinic.unit.pk).update(phone="")
    appointment = _booked(_book(client, clinic, at(day, 10)))
    clock.set(at(day, 10) - timedelta(hours=3))
    body = client.get(f"/book/manage/{manage_token(appointment)}/").content.decode()
    assert 'class="call-clinic"' not in body


# The cancellation limit -------------------------------------------------------------------------


def test_a_time_inside_the_online_cancellation_limit_is_warned_about_before_booking(
    clinic, client, day
):
    outside = _identify(client, clinic, at(day, 10))  # 50 hours ahead, the limit is 24
    assert outside.status_code == 200
    assert 'id="late-warning"' not in outside.content.decode()
    UnitSchedule.objects.filter(unit=clinic.unit).update(online_cancel_hours=72)
    inside = _identify(client, clinic, at(day, 10))
    assert inside.status_code == 200
    body = inside.content.decode()
    warning = body.split('id="late-warning"')[1].split("</div>")[0]
    assert "72" in warning
    assert _shows_phone(warning)
    assert 'id="confirm-booking"' in body  # a warning, not a refusal


# One neutral answer ---------------------------------------------------------------------------


def _comparable(body: str, masked_cpr: str) -> str:
    """The page without what differs by design: tokens, the typed CPR number's first digits."""
    body = re.sub(r'value="[^"]*"', 'value=""', body)
    body = re.sub(r'"X-CSRFToken": "[^"]*"', "", body)
    return body.replace(masked_cpr, "CPR")


def test_a_known_cpr_number_with_another_name_is_answered_as_an_unknown_one(
    world, clinic, client, day
):
    typed = {"given_name": "Fremmed", "family_name": "Person"}
    known = _identify(client, clinic, at(day, 10), cpr=world.patient_a.cpr, **typed)
    unknown = _identify(client, clinic, at(day, 10), cpr=NEW["cpr"], **typed)
    assert known.status_code == unknown.status_code == 200
    assert known.context["identity"].patient_id == ""
    assert _comparable(known.content.decode(), known.context["identity"].cpr_masked) == _comparable(
        unknown.content.decode(), unknown.context["identity"].cpr_masked
    )

    patients = Patient.objects.count()
    refused = client.post(_book_url(clinic, "confirm/"), {"pending": known.context["pending"]})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert _da(OnlineError.NOT_CONFIRMED) in body
    assert _shows_phone(body)
    assert world.patient_a.given_name not in body
    assert Patient.objects.count() == patients
    assert not Appointment.objects.exists()  # never booked onto the registered patient


def test_any_registration_refused_at_booking_gets_the_same_message(
    clinic, client, day, monkeypatch
):
    def refuse(**kwargs):
        raise PatientInvalid.one("given_name", PatientInvalid.REQUIRED)

    monkeypatch.setattr(services, "patient_register", refuse)
    response = _book(client, clinic, at(day, 10))
    assert response.status_code == 400
    assert _da(OnlineError.NOT_CONFIRMED) in response.content.decode()
    assert not Appointment.objects.exists()


# Names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "name"),
    [
        ("given_name", "<script>alert(1)</script>"),
        ("given_name", "Mette <b>"),
        ("family_name", "{{ 7*7 }}"),
        ("family_name", "Jensen{x}"),
        ("family_name", "https://example.com"),
        ("family_name", "www.example.dk"),
        ("given_name", "example.com"),
        ("given_name", "12345"),
        ("family_name", "--- ..."),
    ],
)
def test_names_that_are_not_names_are_refused_at_the_field(clinic, client, day, field, name):
    response = _identify(client, clinic, at(day, 10), **{field: name})
    assert response.status_code == 400
    with translation.override("da"):
        assert response.context["form"].errors[field] == [str(OnlineError.NAME)]
    assert "pending" not in response.context
    assert not Patient.objects.filter(cpr="0707614285").exists()


@pytest.mark.parametrize(
    ("given", "family"),
    [
        ("Anne-Marie", "O'Brien"),
        ("Søren", "Ærø-Åberg"),
        ("J. P.", "Østergaard"),
        ("Zoë", "Müller"),
        ("Nguyễn", "D\u2019Angelo"),
    ],
)
def test_real_names_are_accepted(clinic, client, day, given, family):
    response = _identify(client, clinic, at(day, 10), given_name=given, family_name=family)
    assert response.status_code == 200, response.context["form"].errors
    assert response.context["identity"].name == f"{given} {family}"
