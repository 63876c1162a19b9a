"""Messages stuck "sending" (the worker died between handing a message over and recording
it) are swept back to the queue after a while, the interrupted try counted; on the last
attempt they fail, for staff to resend. Every change is recorded on the message and logged
with its public id only. The sweep runs as a periodic task that queues its next run once, and
as `klinik outbox sweep`."""

import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from klinik.correspondence.channels import SmsBackend
from klinik.correspondence.models import OutboxMessage
from klinik.correspondence.services import (
    MAX_ATTEMPTS,
    STUCK_AFTER,
    SWEEP_EVERY,
    SweepResult,
    outbox_message_deliver,
    outbox_message_queue,
    outbox_sweep_schedule,
    outbox_sweep_stuck,
)
from klinik.correspondence.tasks import sweep_outbox
from klinik.correspondence.tests.helpers import reachable_by, run_due_tasks
from klinik.scheduling.tests.factories import at, next_workday

SECRET_TEXT = "Husk at faste fra kl. 22"


class DyingGateway(SmsBackend):
    """The worker is killed while the gateway has the message (SIGTERM, OOM, a deploy)."""

    def send(self, *, to: str, body: str, sender: str, reference: str) -> str:
        raise SystemExit("worker killed")


class CountingGateway(SmsBackend):
    sent: list[str] = []

    def send(self, *, to: str, body: str, sender: str, reference: str) -> str:
        CountingGateway.sent.append(reference)
        return f"gw-{len(CountingGateway.sent)}"


@pytest.fixture
def gateway(settings):
    CountingGateway.sent = []
    settings.KLINIK_SMS_BACKEND = f"{__name__}.CountingGateway"
    return CountingGateway


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


def _died_sending(message, settings) -> OutboxMessage:
    """Deliver with a worker that is killed mid-send: the message is left "sending"."""
    previous = settings.KLINIK_SMS_BACKEND
    settings.KLINIK_SMS_BACKEND = f"{__name__}.DyingGateway"
    with pytest.raises(SystemExit):
        outbox_message_deliver(message_id=message.pk)
    settings.KLINIK_SMS_BACKEND = previous
    message.refresh_from_db()
    assert message.status == "sending"
    return message


def _stuck(message, since, attempts: int = 0) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(
        status="sending", updated_at=since, attempts=attempts
    )


def _waiting_sweeps():
    return DBTaskResult.objects.filter(
        task_path=sweep_outbox.module_path, status=TaskResultStatus.READY
    )


def test_a_message_whose_worker_died_mid_send_is_queued_again_and_sent_once(
    sms_patient, daytime, gateway, settings, caplog
):
    caplog.set_level(logging.DEBUG)
    message = _died_sending(_queue(sms_patient, daytime.now), settings)
    daytime.advance(minutes=10)
    # Still within the time a live delivery could take: left alone.
    assert outbox_sweep_stuck() == SweepResult(0, 0)
    message.refresh_from_db()
    assert message.status == "sending"
    daytime.advance(minutes=6)
    assert outbox_sweep_stuck() == SweepResult(requeued=1, failed=0)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.scheduled_for) == (
        "queued",
        1,
        daytime.now,
    )
    assert message.error.startswith("Interrupted while sending: no outcome after 15 minutes")
    assert outbox_sweep_stuck() == SweepResult(0, 0)  # nothing is swept twice
    # The delivery task queued by the sweep sends it (the original task finds it done).
    assert "sent" in run_due_tasks()
    assert gateway.sent == [str(message.public_id)]
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
    assert str(message.public_id) in caplog.text
    assert "+4512345678" not in caplog.text and SECRET_TEXT not in caplog.text


def test_a_message_stuck_on_its_last_attempt_fails_for_staff_to_resend(
    sms_patient, daytime, gateway
):
    message = _queue(sms_patient, daytime.now)
    run_due_tasks()  # sent once; now pretend a later try died on the last attempt
    gateway.sent.clear()
    _stuck(message, daytime.now - STUCK_AFTER - timedelta(minutes=1), attempts=MAX_ATTEMPTS - 1)
    assert outbox_sweep_stuck() == SweepResult(requeued=0, failed=1)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    assert f"attempt {MAX_ATTEMPTS} of {MAX_ATTEMPTS}" in message.error
    assert message.can_resend
    daytime.advance(hours=1)
    assert run_due_tasks() == []
    assert gateway.sent == []


def test_a_stuck_sms_found_in_the_quiet_hours_waits_until_morning(sms_patient, clock, gateway):
    day = next_workday()
    clock.set(at(day, 21, 30))
    message = _queue(sms_patient, at(day, 21, 30))  # held until 08:00
    _stuck(message, at(day, 21, 0))
    assert outbox_sweep_stuck() == SweepResult(requeued=1, failed=0)
    message.refresh_from_db()
    assert (message.status, message.scheduled_for) == ("held", at(day + timedelta(days=1), 8))


def test_the_periodic_task_sweeps_and_queues_its_next_run_once(
    sms_patient, daytime, gateway, settings
):
    message = _died_sending(_queue(sms_patient, daytime.now), settings)
    assert outbox_sweep_schedule() is True
    assert outbox_sweep_schedule() is False  # one chain, however often it is started
    assert _waiting_sweeps().count() == 1
    daytime.advance(minutes=20)
    results = run_due_tasks()
    assert {"requeued": 1, "failed": 0, "receipts": 0} in results
    assert "sent" in results
    message.refresh_from_db()
    assert message.status == "sent"
    following = _waiting_sweeps().get()
    assert following.run_after == daytime.now + SWEEP_EVERY


def test_the_sweep_command(sms_patient, daytime, gateway, settings):
    message = _died_sending(_queue(sms_patient, daytime.now), settings)
    daytime.advance(minutes=20)
    out = StringIO()
    call_command("outbox", "sweep", "--schedule", stdout=out)
    assert "1 message(s) queued again, 0 failed" in out.getvalue()
    assert "Periodic sweep queued." in out.getvalue()
    message.refresh_from_db()
    assert message.status == "queued"
    assert _waiting_sweeps().count() == 1
    # A shorter threshold by option: a fresh claim is not stuck before it.
    _stuck(message, daytime.now - timedelta(minutes=3))
    call_command("outbox", "sweep", "--minutes", "5", stdout=out)
    message.refresh_from_db()
    assert message.status == "sending"
