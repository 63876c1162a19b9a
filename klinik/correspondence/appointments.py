"""The outbox as scheduling's NoticeOutbox: what scheduling.reminders plans, written here."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone, translation

from klinik.correspondence.choices import (
    PENDING_STATUSES,
    MessageChannel,
    MessageReason,
    MessageStatus,
)
from klinik.correspondence.models import NOTICE_KINDS, OutboxMessage
from klinik.correspondence.services import outbox_message_queue, patient_route
from klinik.correspondence.texts import default_texts, notice_texts
from klinik.patients.models import Patient
from klinik.scheduling.hooks import NoticeRoute, WaitlistMessage
from klinik.scheduling.models import Appointment
from klinik.scheduling.reminders import Notice, Told, patient_language

# A change notice in these states has reached the patient, is reaching them, or would have
# without a channel: the next notice is worded from it.
TOLD_STATUSES = (MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.SKIPPED)


class AppointmentOutbox:
    def _about(self, appointment: Appointment) -> QuerySet[OutboxMessage]:
        return OutboxMessage.objects.filter(
            organisation_id=appointment.organisation_id,
            appointment_public_id=appointment.public_id,
        )

    def last_told(self, appointment: Appointment) -> Told | None:
        row = (
            self._about(appointment)
            .filter(kind__in=NOTICE_KINDS, status__in=TOLD_STATUSES)
            .order_by("-id")
            .values("kind", "appointment_start")
            .first()
        )
        return Told(row["kind"], row["appointment_start"]) if row else None

    def withdraw(self, appointment: Appointment) -> None:
        self._about(appointment).filter(status__in=PENDING_STATUSES).update(
            status=MessageStatus.CANCELLED,
            reason=MessageReason.SUPERSEDED,
            updated_at=timezone.now(),
        )

    def queue(self, notice: Notice) -> None:
        appointment = notice.appointment
        with translation.override(notice.language):
            subject, body = notice_texts(
                organisation_id=appointment.organisation_id,
                appointment_type_id=appointment.appointment_type_id,
                kind=notice.kind,
                context=notice.context,
                unit_id=appointment.unit_id,
            )
        outbox_message_queue(
            organisation_id=appointment.organisation_id,
            unit_id=appointment.unit_id,
            patient=appointment.patient,
            kind=notice.kind,
            subject=subject,
            body=body,
            due=notice.due,
            appointment_public_id=appointment.public_id,
            appointment_start=appointment.start,
            quiet_hours=notice.quiet_hours,
            skip_reason="" if notice.is_wanted else MessageReason.NOT_NOTIFIED,
        )


appointment_outbox = AppointmentOutbox()


def appointment_notice_route(patient: Patient) -> NoticeRoute:
    """scheduling.hooks.NOTICE_ROUTE: the route the outbox would take to the patient now."""
    route = patient_route(patient)
    if not route.channel:
        return NoticeRoute(reason=str(MessageReason(route.reason).label))
    return NoticeRoute(
        channel=route.channel,
        channel_label=str(MessageChannel(route.channel).label),
        address=route.address,
    )


def waitlist_message_queue(message: WaitlistMessage) -> datetime | None:
    """scheduling.hooks.WAITLIST_MESSAGE: write a waiting-list message to the outbox (in the
    caller's transaction); when it goes out, or None when it is not sent."""
    with translation.override(patient_language(message.patient.language)):
        subject, body = default_texts(kind=message.kind, context=message.context)
    queued = outbox_message_queue(
        organisation_id=message.organisation_id,
        unit_id=message.unit_id,
        patient=message.patient,
        kind=message.kind,
        subject=subject,
        body=body,
        due=timezone.now(),
    )
    return None if queued.status == MessageStatus.SKIPPED else queued.scheduled_for
