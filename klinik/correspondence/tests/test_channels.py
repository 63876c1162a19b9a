"""Who gets what: consent and a contact detail per channel, the patient's preference, nothing
for the dead or restricted; the local SMS backend and Django's mail backend."""

from datetime import date, timedelta

import pytest
from django.core import mail

from klinik.correspondence.channels import LocalSmsBackend, sms_number
from klinik.correspondence.choices import MessageStatus
from klinik.correspondence.services import outbox_message_queue, patient_route
from klinik.correspondence.tests.helpers import reachable_by, run_due_tasks
from klinik.scheduling.tests.factories import at, next_workday


@pytest.fixture
def patient(world):
    return world.patient_a


def _queue(patient, due, **fields):
    return outbox_message_queue(
        organisation_id=patient.organisation_id,
        unit_id=patient.unit_id,
        patient=patient,
        kind="confirmation",
        subject="Klinik A: din tid er booket",
        body="Din tid er booket.",
        due=due,
        **fields,
    )


@pytest.mark.parametrize(
    ("consent", "phone", "expected"),
    [
        (True, "12345678", ("sms", "+4512345678")),
        (True, "", ("", "")),
        (False, "12345678", ("", "")),
    ],
)
def test_sms_needs_consent_and_a_number(patient, consent, phone, expected):
    patient.consent_sms, patient.phone = consent, phone
    route = patient_route(patient)
    assert (route.channel, route.address) == expected


@pytest.mark.parametrize(
    ("consent", "email", "expected"),
    [
        (True, "alma@example.dk", ("email", "alma@example.dk")),
        (True, "", ("", "")),
        (False, "alma@example.dk", ("", "")),
    ],
)
def test_email_needs_consent_and_an_address(patient, consent, email, expected):
    patient.consent_email, patient.email = consent, email
    route = patient_route(patient)
    assert (route.channel, route.address) == expected


@pytest.mark.parametrize(
    ("preferred", "channel"),
    [("sms", "sms"), ("email", "email"), ("digital_post", "sms"), ("letter", "sms")],
)
def test_the_preferred_channel_wins_when_both_are_possible(patient, preferred, channel):
    reachable_by(patient, sms=True, email=True)
    patient.preferred_channel = preferred
    assert patient_route(patient).channel == channel


def test_a_preference_that_is_not_possible_gives_way(patient):
    reachable_by(patient, email=True)
    patient.preferred_channel = "sms"
    assert patient_route(patient).channel == "email"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"deceased_date": date(2024, 1, 2)}, "deceased"),
        ({"is_restricted": True}, "restricted"),
        ({}, "no_channel"),
    ],
)
def test_nothing_goes_to_the_dead_the_restricted_or_the_unreachable(patient, change, reason):
    # Reachable both ways, except in the last case.
    reachable_by(patient, sms=bool(change), email=bool(change))
    for field, value in change.items():
        setattr(patient, field, value)
    patient.save()
    message = _queue(patient, at(next_workday(), 10))
    assert (message.status, message.reason, message.channel) == ("skipped", reason, "")
    assert run_due_tasks() == []


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("12345678", "+4512345678"),
        ("12 34 56 78", "+4512345678"),
        ("+46701234567", "+46701234567"),
        ("0046701234567", "+46701234567"),
        ("1234", ""),
        ("", ""),
    ],
)
def test_numbers_are_given_to_the_gateway_with_country_code(typed, number):
    assert sms_number(typed) == number


def test_the_local_sms_backend_records_the_message_as_sent_locally(patient, clock):
    reachable_by(patient, sms=True)
    clock.set(at(next_workday(), 10))
    message = _queue(patient, clock.now)
    assert run_due_tasks() == ["sent"]
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.sent_at == clock.now
    assert message.provider_reference == f"local:{message.public_id}"
    assert message.attempts == 1
    assert mail.outbox == []
    assert LocalSmsBackend().send(to="+4512345678", body="x", sender="Klinik", reference="r")


def test_email_goes_through_the_django_mail_backend(patient, clock):
    reachable_by(patient, email=True)
    clock.set(at(next_workday(), 10))
    message = _queue(patient, clock.now)
    run_due_tasks()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    [sent] = mail.outbox
    assert sent.to == ["alma@example.dk"]
    assert sent.subject == "Klinik A: din tid er booket"
    assert sent.body == "Din tid er booket."
    assert sent.extra_headers["Message-ID"] == message.provider_reference


def test_a_message_waits_for_its_time(patient, clock):
    reachable_by(patient, email=True)
    clock.set(at(next_workday(), 10))
    message = _queue(patient, clock.now + timedelta(hours=2))
    clock.advance(hours=1, minutes=59)
    assert run_due_tasks() == []
    clock.advance(minutes=1)
    assert run_due_tasks() == ["sent"]
    message.refresh_from_db()
    assert message.status == "sent"
