"""Writes to the outbox: queue a message (the channel the patient's consent and preference
allow, SMS held over the unit's quiet hours), deliver it at most once, resend a failed one,
and sweep up messages whose delivery died half-way ("sending" for too long).

Delivery runs in tasks (django-tasks, database backend). A task row is written in the same
transaction as the message row it delivers, not on commit: with the database backend both live
in one database, so a message can neither commit without its task nor the task run before the
message exists.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.channels import CHANNELS, FALLBACK_ORDER, Delivery
from klinik.correspondence.choices import (
    PENDING_STATUSES,
    MessageReason,
    MessageStatus,
)
from klinik.correspondence.errors import OutboxError
from klinik.correspondence.models import OutboxMessage
from klinik.correspondence.tasks import deliver_message, sweep_outbox
from klinik.patients.models import Patient
from klinik.scheduling.reminders import notice_is_current, unit_timing

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
# Wait before the 2nd, 3rd and 4th attempt.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=25))
# A delivery still "sending" after this long died with its worker: a gateway or mail server
# answers (or times out) within a minute, so a live run is never taken for a dead one.
STUCK_AFTER = timedelta(minutes=15)
# How often the periodic sweep runs, and how many messages one sweep takes at most.
SWEEP_EVERY = timedelta(minutes=5)
SWEEP_BATCH = 500


@dataclass(frozen=True)
class Route:
    """The channel and address to reach a patient by, or the reason there is none."""

    channel: str = ""
    address: str = ""
    reason: str = ""


def patient_route(patient: Patient) -> Route:
    """SMS needs consent and a number, e-mail consent and an address; the patient's preferred
    channel wins when several are possible; nothing for the dead or for restricted records."""
    if patient.deceased_date is not None:
        return Route(reason=MessageReason.DECEASED)
    if patient.is_restricted:
        return Route(reason=MessageReason.RESTRICTED)
    reachable = {}
    for channel, adapter in CHANNELS.items():
        address = adapter.address(patient)
        if address:
            reachable[channel] = address
    if not reachable:
        return Route(reason=MessageReason.NO_CHANNEL)
    if patient.preferred_channel in reachable:
        channel = patient.preferred_channel
    else:
        channel = next((c for c in FALLBACK_ORDER if c in reachable), next(iter(reachable)))
    return Route(channel=channel, address=reachable[channel])


def after_quiet_hours(when: datetime, quiet_hours: tuple[time, time]) -> datetime:
    """`when`, or the end of the quiet hours it falls in (local time; the window may span
    midnight, e.g. 21:00-08:00)."""
    start, end = quiet_hours
    if start == end:
        return when
    local_zone = timezone.get_default_timezone()
    local = timezone.localtime(when, local_zone)
    clock = local.time()
    if start < end:
        is_quiet, release_day = start <= clock < end, local.date()
    else:
        is_quiet = clock >= start or clock < end
        release_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not is_quiet:
        return when
    return datetime.combine(release_day, end, tzinfo=local_zone)


def _release(
    channel: str, when: datetime, unit_id: int | None, quiet_hours: tuple[time, time] | None = None
) -> tuple[MessageStatus, datetime]:
    """The status and time a message due at `when` waits with: SMS is held over quiet hours
    (the unit's, unless the caller has read them)."""
    adapter = CHANNELS.get(channel)
    if adapter is not None and adapter.respects_quiet_hours:
        quiet = quiet_hours if quiet_hours is not None else unit_timing(unit_id).quiet_hours
        released = after_quiet_hours(when, quiet)
        if released != when:
            return MessageStatus.HELD, released
    return MessageStatus.QUEUED, when


def _schedule_delivery(message: OutboxMessage) -> None:
    deliver_message.using(run_after=message.scheduled_for).enqueue(message.pk)


def outbox_message_queue(
    *,
    organisation_id: int,
    unit_id: int | None,
    patient: Patient,
    kind: str,
    subject: str,
    body: str,
    due: datetime,
    appointment_public_id: uuid.UUID | None = None,
    appointment_start: datetime | None = None,
    quiet_hours: tuple[time, time] | None = None,
    skip_reason: str = "",
) -> OutboxMessage:
    """Write a message to the patient and schedule its delivery, or record why it is not sent.

    Joins the caller's transaction (no savepoint of its own): the message and its task commit
    or roll back together with it. `quiet_hours`: the unit's, when the caller has them.
    `skip_reason`: record the message unsent for that reason (a MessageReason).
    """
    route = Route(reason=skip_reason) if skip_reason else patient_route(patient)
    fields = {
        "organisation_id": organisation_id,
        "unit_id": unit_id,
        "patient": patient,
        "kind": kind,
        "subject": subject,
        "body": body,
        "appointment_public_id": appointment_public_id,
        "appointment_start": appointment_start,
    }
    with transaction.atomic(savepoint=False):
        if not route.channel:
            return OutboxMessage.objects.create(
                **fields, status=MessageStatus.SKIPPED, reason=route.reason, scheduled_for=due
            )
        status, scheduled_for = _release(route.channel, due, unit_id, quiet_hours)
        message = OutboxMessage.objects.create(
            **fields,
            channel=route.channel,
            recipient=route.address,
            status=status,
            scheduled_for=scheduled_for,
        )
        _schedule_delivery(message)
    return message


def _unwanted(message: OutboxMessage, now: datetime) -> str:
    """Why a message that is due must not go after all ("" when it may)."""
    patient = message.patient
    if patient.deceased_date is not None:
        return MessageReason.DECEASED
    if patient.is_restricted:
        return MessageReason.RESTRICTED
    if message.appointment_public_id is not None and not notice_is_current(
        appointment_public_id=message.appointment_public_id,
        kind=message.kind,
        start=message.appointment_start,
        now=now,
    ):
        return MessageReason.OUTDATED
    return ""


def _save(message: OutboxMessage, *fields: str) -> None:
    message.save(update_fields=[*fields, "updated_at"])


def _retry_or_fail(message: OutboxMessage, exc: Exception, now: datetime, attempt: int) -> str:
    message.attempts, message.error = attempt, f"{type(exc).__name__}: {exc}"[:500]
    with transaction.atomic():
        if message.attempts < MAX_ATTEMPTS:
            delay = RETRY_DELAYS[min(message.attempts, len(RETRY_DELAYS)) - 1]
            message.status, message.scheduled_for = _release(
                message.channel, now + delay, message.unit_id
            )
            _save(message, "status", "scheduled_for", "error", "recipient", "attempts")
            _schedule_delivery(message)
        else:
            message.status = MessageStatus.FAILED
            _save(message, "status", "error", "recipient", "attempts")
    # The public id only: errors can quote the recipient.
    logger.warning(
        "Outbox message %s: attempt %d of %d failed (%s)",
        message.public_id,
        message.attempts,
        MAX_ATTEMPTS,
        type(exc).__name__,
    )
    return message.status


def outbox_message_deliver(*, message_id: int) -> str:
    """Send one message if it is due and still wanted; return its status.

    Safe to run twice, or twice at once: one conditional UPDATE claims the message (pending and
    due -> sending), so only one run sends it. A run that dies between handing the message over
    and recording it leaves it "sending": at most once, never twice.
    """
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status__in=PENDING_STATUSES, scheduled_for__lte=now
    ).update(status=MessageStatus.SENDING, updated_at=now)
    if not claimed:
        # Not due yet (a later task is queued), or handled already.
        current = OutboxMessage.objects.filter(pk=message_id).values_list("status", flat=True)
        return current.first() or "missing"
    message = OutboxMessage.objects.select_related("patient").get(pk=message_id)
    attempt = message.attempts + 1  # counted when it fails or goes, not when it waits
    try:
        reason = _unwanted(message, now)
        if reason:
            message.status, message.reason = MessageStatus.CANCELLED, reason
            _save(message, "status", "reason")
            return message.status
        status, release = _release(message.channel, now, message.unit_id)
        if status == MessageStatus.HELD:
            # A late run (the worker was down) must not send at night either.
            message.status, message.scheduled_for = status, release
            with transaction.atomic():
                _save(message, "status", "scheduled_for")
                _schedule_delivery(message)
            return message.status
        adapter = CHANNELS[message.channel]
        # The address as it is now (a new number), as long as the consent still holds.
        message.recipient = adapter.address(message.patient)
        if not message.recipient:
            message.status, message.reason = MessageStatus.CANCELLED, MessageReason.NO_CHANNEL
            _save(message, "status", "reason")
            return message.status
        message.attempts = attempt
        reference = adapter.deliver(
            Delivery(
                to=message.recipient,
                subject=message.subject,
                body=message.body,
                reference=str(message.public_id),
            )
        )
    except Exception as exc:  # any failure of a gateway or mail server: recorded, retried
        return _retry_or_fail(message, exc, now, attempt)
    message.status, message.sent_at = MessageStatus.SENT, timezone.now()
    message.provider_reference, message.error = reference[:200], ""
    _save(message, "status", "sent_at", "provider_reference", "error", "recipient", "attempts")
    return message.status


def outbox_message_resend(
    *, actor: Actor, message: OutboxMessage, channel: Channel = Channel.UI
) -> OutboxMessage:
    """Queue a failed message again, with a fresh set of attempts."""
    require(actor, Perm.SCHEDULE_BOOK)
    now = timezone.now()
    try:
        with transaction.atomic(durable=True):
            locked = OutboxMessage.objects.select_for_update().get(pk=message.pk)
            if locked.status != MessageStatus.FAILED:
                raise OutboxError(OutboxError.NOT_FAILED, code="not_failed")
            locked.status, locked.scheduled_for = _release(locked.channel, now, locked.unit_id)
            locked.attempts = 0
            _save(locked, "status", "scheduled_for", "attempts")
            _schedule_delivery(locked)
            access_log_record(
                actor=actor,
                action=Action.UPDATE,
                purpose=Purpose.ADMINISTRATION,
                channel=channel,
                object_type="outbox_message",
                object_id=locked.public_id,
                patient_id=message.patient.public_id,
                organisation_id=locked.organisation_id,
                reason="resend",
            )
    except IntegrityError as exc:
        # A newer message about the same appointment is already waiting to go.
        raise OutboxError(OutboxError.SUPERSEDED, code="superseded") from exc
    return locked


# Sweeping up deliveries that died ----------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    requeued: int = 0
    failed: int = 0


def outbox_sweep_stuck(
    *, stuck_after: timedelta = STUCK_AFTER, now: datetime | None = None
) -> SweepResult:
    """Return messages left "sending" for longer than `stuck_after` to the queue.

    A delivery run claims a message (pending -> sending) and records the outcome after handing
    it over; a worker that dies in between leaves it "sending" for good. Whether the gateway
    took it is unknown, so the interrupted try counts as an attempt: the message is queued
    again (held over quiet hours, with a delivery task) while attempts remain, else failed,
    for staff to resend or call. Each change is recorded on the message (status, attempts, why
    in `error`) and in the application log (public id only); each message is changed in its
    own transaction, and only if it is still stuck then.
    """
    now = now or timezone.now()
    cutoff = now - stuck_after
    stuck = OutboxMessage.objects.filter(status=MessageStatus.SENDING, updated_at__lt=cutoff)
    requeued = failed = 0
    for message_id in list(stuck.order_by("updated_at").values_list("pk", flat=True)[:SWEEP_BATCH]):
        with transaction.atomic(durable=True):
            message = stuck.select_for_update().filter(pk=message_id).first()
            if message is None:
                continue  # the run finished meanwhile
            since = message.updated_at
            message.attempts += 1
            message.error = (
                f"Interrupted while sending: no outcome after {_minutes(stuck_after)} minutes "
                f"(attempt {message.attempts} of {MAX_ATTEMPTS})"
            )
            if message.attempts < MAX_ATTEMPTS:
                message.status, message.scheduled_for = _release(
                    message.channel, now, message.unit_id
                )
                _save(message, "status", "scheduled_for", "attempts", "error")
                _schedule_delivery(message)
                requeued += 1
            else:
                message.status = MessageStatus.FAILED
                _save(message, "status", "attempts", "error")
                failed += 1
        logger.warning(
            "Outbox message %s was stuck sending since %s: %s (attempt %d of %d)",
            message.public_id,
            since.isoformat(),
            message.status,
            message.attempts,
            MAX_ATTEMPTS,
        )
    return SweepResult(requeued=requeued, failed=failed)


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def outbox_sweep_schedule(*, after: timedelta = SWEEP_EVERY) -> bool:
    """Queue the next periodic sweep `after` from now, unless one is queued already (so
    starting the server again, or a sweep run by hand, never doubles the chain). Returns
    whether one was queued."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=sweep_outbox.module_path, status=TaskResultStatus.READY
    )
    if waiting.exists():
        return False
    sweep_outbox.using(run_after=timezone.now() + after).enqueue()
    return True
