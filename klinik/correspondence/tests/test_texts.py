"""What a message says: the time in Danish style, the unit, the preparation, a signed link to
cancel or move; an appointment type's own text instead of the default."""

import re
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.signing import BadSignature, TimestampSigner
from django.utils import translation

from klinik.correspondence.models import MessageTemplate
from klinik.correspondence.tests.helpers import pending, reachable_by
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.reminders import format_when, render
from klinik.scheduling.tests.factories import at, next_workday

LINK = re.compile(r"(https?://\S+/book/manage/(\S+)/)")


@pytest.fixture
def alma(world):
    return reachable_by(world.patient_a, sms=True)


@pytest.fixture
def booked(desk, alma, clock):
    day = next_workday(days_ahead=10)
    desk.clinic.consultation.preparation_text = "Mød fastende."
    desk.clinic.consultation.save()
    clock.set(at(day - timedelta(days=3), 10))
    return desk.book(alma, at(day, 9, 15))


def test_times_are_written_the_danish_way():
    with translation.override("da"):
        assert format_when(datetime(2026, 12, 8, 9, 15, tzinfo=LOCAL)) == (
            "tirsdag 8. december kl. 09.15"
        )
        # Summer time: the local time, not UTC.
        assert format_when(datetime(2027, 6, 1, 14, 5, tzinfo=LOCAL)) == "tirsdag 1. juni kl. 14.05"
    with translation.override("en"):
        assert format_when(datetime(2026, 12, 8, 9, 15, tzinfo=LOCAL)) == (
            "Tuesday 8 December at 09:15"
        )


def test_the_confirmation_names_time_unit_type_and_preparation(booked):
    body = pending(booked, "confirmation").body
    with translation.override("da"):
        assert format_when(booked.start) in body
    assert "Klinik A" in body
    assert "Konsultation" in body
    assert "Mød fastende." in body


def test_every_notice_carries_a_signed_link_to_cancel_or_move(booked, settings):
    for kind in ("confirmation", "reminder"):
        [(link, token)] = LINK.findall(pending(booked, kind).body)
        assert link.startswith("http://127.0.0.1:8000/book/manage/")
        signer = TimestampSigner(salt="klinik.online-booking")
        assert signer.unsign(token, max_age=timedelta(days=400)) == str(booked.public_id)
    with pytest.raises(BadSignature):
        TimestampSigner(salt="something.else").unsign(token)


def test_the_link_uses_the_public_address(desk, alma, clock, settings):
    settings.KLINIK_PUBLIC_URL = "https://klinik.example.dk/"
    day = next_workday(days_ahead=10)
    clock.set(at(day - timedelta(days=3), 10))
    appointment = desk.book(alma, at(day, 9))
    [(link, _token)] = LINK.findall(pending(appointment, "confirmation").body)
    assert link.startswith("https://klinik.example.dk/book/manage/")


def test_an_appointment_type_can_have_its_own_text(desk, alma, clock):
    consultation = desk.clinic.consultation
    MessageTemplate.objects.create(
        organisation_id=consultation.organisation_id,
        appointment_type=consultation,
        kind="reminder",
        subject="Husk din tid",
        body="Husk {type} hos {unit} {when}.\n\n{preparation}\n\nAflys: {link}",
    )
    day = next_workday(days_ahead=10)
    clock.set(at(day - timedelta(days=3), 10))
    appointment = desk.book(alma, at(day, 9))
    reminder = pending(appointment, "reminder")
    with translation.override("da"):
        when = format_when(appointment.start)
    assert reminder.body.startswith(f"Husk Konsultation hos Klinik A {when}.\n\nAflys: http")
    assert reminder.subject == "Husk din tid"
    # Other kinds keep the default text.
    assert not pending(appointment, "confirmation").body.startswith("Husk")


def test_a_template_with_unknown_placeholders_is_refused(desk):
    template = MessageTemplate(
        organisation_id=desk.clinic.consultation.organisation_id,
        appointment_type=desk.clinic.consultation,
        kind="reminder",
        body="Hej {patient_name}, husk {when}",
    )
    with pytest.raises(ValidationError, match="patient_name"):
        template.full_clean()


def test_a_template_for_another_organisations_type_is_refused(desk, world):
    template = MessageTemplate(
        organisation_id=world.org_b.pk,
        appointment_type=desk.clinic.consultation,
        kind="reminder",
        body="Husk {when}",
    )
    with pytest.raises(ValidationError):
        template.full_clean()


def test_rendering_fills_known_placeholders_and_tidies_empty_ones():
    text = "Tid: {when}\n\n{preparation}\n\nLink: {link} {other}"
    assert render(text, {"when": "i dag", "preparation": "", "link": "x"}) == (
        "Tid: i dag\n\nLink: x {other}"
    )


def test_a_patient_writing_english_gets_english_dates(desk, alma, clock):
    alma.language = "en"
    alma.save()
    day = next_workday(days_ahead=10)
    clock.set(at(day - timedelta(days=3), 10))
    appointment = desk.book(alma, at(day, 9))
    with translation.override("en"):
        assert format_when(appointment.start) in pending(appointment, "confirmation").body
