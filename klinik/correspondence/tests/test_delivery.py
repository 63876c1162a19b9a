"""Delivery in tasks: at most once however often the task runs, checked again when due,
failures recorded and retried with backoff, a failed message resent by staff. Logs carry
no numbers, addresses or texts."""

import logging
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.mail.backends.base import BaseEmailBackend

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.correspondence.channels import SmsBackend
from klinik.correspondence.errors import OutboxError
from klinik.correspondence.models import OutboxMessage
from klinik.correspondence.services import (
    MAX_ATTEMPTS,
    outbox_message_deliver,
    outbox_message_queue,
    outbox_message_resend,
)
from klinik.correspondence.tasks import DeliveryCrashed, deliver_message
from klinik.correspondence.tests.helpers import reachable_by, run_due_tasks
from klinik.scheduling.tests.factories import at, next_workday

SECRET_TEXT = "Husk at faste fra kl. 22"


class BrokenGateway(SmsBackend):
    calls = 0

    def send(self, *, to: str, body: str, sender: str, reference: str) -> str:
        BrokenGateway.calls += 1
        raise ConnectionError(f"gateway refused {to}")


class CountingGateway(SmsBackend):
    sent: list[str] = []

    def send(self, *, to: str, body: str, sender: str, reference: str) -> str:
        CountingGateway.sent.append(reference)
        return f"gw-{len(CountingGateway.sent)}"


class RefusingMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def gateway(settings):
    CountingGateway.sent = []
    settings.KLINIK_SMS_BACKEND = f"{__name__}.CountingGateway"
    return CountingGateway


@pytest.fixture
def broken(settings):
    BrokenGateway.calls = 0
    settings.KLINIK_SMS_BACKEND = f"{__name__}.BrokenGateway"
    return BrokenGateway


@pytest.fixture
def sms_patient(world):
    return reachable_by(world.patient_a, sms=True)


@pytest.fixture
def daytime(clock):
    clock.set(at(next_workday(), 10))
    return clock


def _queue(patient, due):
    return outbox_message_queue(
        organisation_id=patient.organisation_id,
        unit_id=patient.unit_id,
        patient=patient,
        kind="reminder",
        subject="",
        body=SECRET_TEXT,
        due=due,
    )


def test_a_message_is_sent_once_however_often_its_task_runs(sms_patient, daytime, gateway):
    message = _queue(sms_patient, daytime.now)
    assert deliver_message.call(message.pk) == "sent"
    assert deliver_message.call(message.pk) == "sent"
    assert outbox_message_deliver(message_id=message.pk) == "sent"
    # The task row enqueued with the message runs too, later: still nothing more.
    assert run_due_tasks() == ["sent"]
    assert gateway.sent == [str(message.public_id)]
    message.refresh_from_db()
    assert (message.attempts, message.provider_reference) == (1, "gw-1")


def test_a_message_another_run_has_taken_is_left_alone(sms_patient, daytime, gateway):
    message = _queue(sms_patient, daytime.now)
    OutboxMessage.objects.filter(pk=message.pk).update(status="sending")
    assert outbox_message_deliver(message_id=message.pk) == "sending"
    assert gateway.sent == []


def test_failures_are_recorded_and_retried_with_backoff_then_given_up(
    sms_patient, daytime, broken, caplog
):
    caplog.set_level(logging.DEBUG)
    message = _queue(sms_patient, daytime.now)
    started = daytime.now
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        run_due_tasks()
        message.refresh_from_db()
        assert message.attempts == attempt
        assert message.error == "ConnectionError: gateway refused +4512345678"
        if attempt < MAX_ATTEMPTS:
            assert message.status == "queued"
            waits.append(message.scheduled_for - daytime.now)
            daytime.set(message.scheduled_for)
    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=25)]
    assert message.status == "failed"
    assert broken.calls == MAX_ATTEMPTS
    daytime.set(started + timedelta(days=1))
    assert run_due_tasks() == []
    assert "+4512345678" not in caplog.text
    assert SECRET_TEXT not in caplog.text
    assert str(message.public_id) in caplog.text


def test_consent_withdrawn_before_the_message_is_due_cancels_it(sms_patient, daytime, gateway):
    message = _queue(sms_patient, daytime.now + timedelta(hours=1))
    sms_patient.consent_sms = False
    sms_patient.save()
    daytime.advance(hours=1)
    assert run_due_tasks() == ["cancelled"]
    message.refresh_from_db()
    assert (message.status, message.reason) == ("cancelled", "no_channel")
    assert gateway.sent == []


def test_a_changed_number_is_used_when_the_message_goes(sms_patient, daytime, gateway):
    message = _queue(sms_patient, daytime.now + timedelta(hours=1))
    sms_patient.phone = "87654321"
    sms_patient.save()
    daytime.advance(hours=1)
    run_due_tasks()
    message.refresh_from_db()
    assert (message.status, message.recipient) == ("sent", "+4587654321")


def test_staff_resend_a_failed_message(world, actor_for, sms_patient, daytime, broken, settings):
    message = _queue(sms_patient, daytime.now)
    for _ in range(MAX_ATTEMPTS):
        run_due_tasks()
        message.refresh_from_db()
        daytime.set(message.scheduled_for)
    assert message.status == "failed"

    secretary = actor_for(world.member(Role.SECRETARY))
    settings.KLINIK_SMS_BACKEND = f"{__name__}.CountingGateway"
    CountingGateway.sent = []
    outbox_message_resend(actor=secretary, message=message)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 0)
    entry = AccessLogEntry.objects.filter(object_type="outbox_message").latest("seq")
    assert (entry.action, entry.patient_id, entry.reason) == (
        "update",
        sms_patient.public_id,
        "resend",
    )
    assert run_due_tasks() == ["sent"]
    assert CountingGateway.sent == [str(message.public_id)]

    with pytest.raises(OutboxError) as exc:
        outbox_message_resend(actor=secretary, message=message)
    assert exc.value.code == "not_failed"


def test_resending_needs_the_booking_permission(world, actor_for, sms_patient, daytime):
    message = _queue(sms_patient, daytime.now)
    OutboxMessage.objects.filter(pk=message.pk).update(status="failed")
    manager = actor_for(world.member(Role.MANAGER))
    with pytest.raises(PermissionDenied):
        outbox_message_resend(actor=manager, message=message)
    message.refresh_from_db()
    assert message.status == "failed"


def test_email_failures_are_retried(world, daytime, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingMailServer"
    patient = reachable_by(world.patient_a, email=True)
    message = _queue(patient, daytime.now)
    run_due_tasks()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.error == "SMTPServerDisconnected: Connection unexpectedly closed"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    daytime.set(message.scheduled_for)
    assert run_due_tasks() == ["sent"]
    assert len(mail.outbox) == 1


def test_an_unexpected_error_leaves_no_patient_data_in_the_task_result(
    sms_patient, daytime, monkeypatch
):
    from klinik.correspondence import services

    message = _queue(sms_patient, daytime.now)

    def crash(*, message_id):
        raise RuntimeError(f"Failing row contains (+4512345678, {SECRET_TEXT})")

    monkeypatch.setattr(services, "outbox_message_deliver", crash)
    with pytest.raises(DeliveryCrashed) as exc:
        deliver_message.call(message.pk)
    assert str(exc.value) == f"RuntimeError in outbox message {message.pk}"
    assert exc.value.__suppress_context__ and exc.value.__cause__ is None


def test_an_error_before_sending_counts_as_an_attempt(sms_patient, daytime, monkeypatch):
    from klinik.correspondence import services

    def unavailable(*args, **kwargs):
        raise ConnectionError("database went away")

    monkeypatch.setattr(services, "notice_is_current", unavailable)
    message = _queue(sms_patient, daytime.now)
    OutboxMessage.objects.filter(pk=message.pk).update(appointment_public_id=message.public_id)
    for _ in range(MAX_ATTEMPTS):
        run_due_tasks()
        message.refresh_from_db()
        daytime.set(message.scheduled_for)
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
