"""Sending a CareCommunication (new, a reply), trying a failed one again. Every outgoing
message is stored with its Bundle before the transport is tried and ends either sent or visibly
failed (status "failed", the reason kept, in the work queue)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.messages import fhir, transport
from klinik.correspondence.messages.choices import (
    CareCategory,
    CareMessageKind,
    CareMessageStatus,
    Direction,
    MessageActivity,
)
from klinik.correspondence.messages.errors import MessageCode, MessageError
from klinik.correspondence.messages.services.partners import (
    organisation_id_of,
    own_partner,
    party_check,
    party_of,
)
from klinik.correspondence.models import CareMessage, CareMessageEvent, Partner
from klinik.patients.models import Patient

TEXT_MAX = 20_000  # MedCom's segments are letters, not files: a generous bound
TOPIC_MAX = 200
# Sending --------------------------------------------------------------------------------------


def message_event(message: CareMessage, status: str, at: datetime, note: str = "") -> None:
    CareMessageEvent.objects.create(
        organisation_id=message.organisation_id,
        message=message,
        status=status,
        at=at,
        note=note[:500],
    )


def message_deliver(message: CareMessage, now: datetime) -> None:
    """Hand the Bundle to the transport; the message ends sent or failed, never in between."""
    try:
        reference = transport.medcom_send(message.bundle, header_id=message.header_id)
    except transport.TransportError as exc:
        message.status = CareMessageStatus.FAILED
        message.error = str(exc)[:500]
        message.save(update_fields=["status", "error"])
        message_event(message, CareMessageStatus.FAILED, now, message.error)
        return
    message.status = CareMessageStatus.SENT
    message.sent_at = now
    message.error = ""
    message.save(update_fields=["status", "sent_at", "error"])
    message_event(message, CareMessageStatus.SENT, now, reference)


def author_of(actor: Actor) -> str:
    return (actor.user.get_full_name() or actor.user.get_username())[:200]


def _content_check(*, category: str, topic: str, text: str) -> None:
    if category not in CareCategory.values:
        field = "category"
        if not category:
            raise MessageError(MessageCode.REQUIRED, MessageError.REQUIRED, field)
        raise MessageError(
            MessageCode.BAD_CATEGORY, MessageError.BAD_CATEGORY % {"value": category}, field
        )
    if category == CareCategory.OTHER and not topic.strip():
        raise MessageError(MessageCode.TOPIC_REQUIRED, MessageError.TOPIC_REQUIRED, "topic")
    if len(topic) > TOPIC_MAX:
        raise MessageError(
            MessageCode.TOO_LONG, MessageError.TOO_LONG % {"max": TOPIC_MAX}, "topic"
        )
    if not text.strip():
        raise MessageError(MessageCode.REQUIRED, MessageError.REQUIRED, "text")
    if len(text) > TEXT_MAX:
        raise MessageError(MessageCode.TOO_LONG, MessageError.TOO_LONG % {"max": TEXT_MAX}, "text")


def _segments_of(message: CareMessage | None) -> tuple[fhir.Segment, ...]:
    if message is None:
        return ()
    parsed = fhir.message_parse(message.bundle)
    return parsed.segments if isinstance(parsed, fhir.CareCommunication) else ()


def care_message_send(
    *,
    actor: Actor,
    patient: Patient,
    recipient: fhir.Party,
    category: str,
    topic: str,
    text: str,
    contact: str = "",
    replies_to: CareMessage | None = None,
    channel: Channel = Channel.UI,
    dictation_public_id: uuid.UUID | None = None,
    attachments: tuple[fhir.Attachment, ...] = (),
    forwards: CareMessage | None = None,
) -> CareMessage:
    """Build, store and send a CareCommunication about `patient` (read through the door by
    the caller) to `recipient`. A reply names the message answered and joins its thread."""
    require(actor, Perm.RECORD_WRITE)
    organisation_id = organisation_id_of(actor)
    recipient = party_check(
        sor=recipient.sor.strip(),
        ean=recipient.ean.strip(),
        name=recipient.name,
        prefix="recipient.",
    )
    text = text.replace("\r\n", "\n").strip()
    topic = topic.strip()
    _content_check(category=category, topic=topic, text=text)
    sender = own_partner(organisation_id=organisation_id)
    now = timezone.now()
    header_id = uuid.uuid4()
    segment = fhir.Segment(
        identifier=uuid.uuid4(), at=now, author=author_of(actor), contact=contact, text=text
    )
    earlier = replies_to or forwards
    activity = (
        MessageActivity.FORWARD
        if forwards
        else MessageActivity.REPLY
        if replies_to
        else MessageActivity.NEW
    )
    content = fhir.CareCommunication(
        header_id=header_id,
        communication_id=uuid.uuid4(),
        at=now,
        sender=party_of(sender),
        receiver=recipient,
        cpr=patient.cpr,
        given_name=patient.given_name,
        family_name=patient.family_name,
        category=category,
        topic=topic,
        # A forward carries the forwarded message's segments after our own.
        segments=(segment, *_segments_of(forwards)),
        activity=activity,
        replies_to=earlier.header_id if earlier else None,
        attachments=attachments,
    )
    bundle = fhir.care_communication_build(content)
    fhir.bundle_validate(bundle)  # what we send validates, or nothing is stored
    partner = Partner.objects.filter(organisation_id=organisation_id, sor=recipient.sor).first()
    with transaction.atomic(durable=True):
        public_id = uuid.uuid4()
        message = CareMessage.objects.create(
            public_id=public_id,
            organisation_id=organisation_id,
            unit=patient.unit or actor.unit,
            patient=patient,
            direction=Direction.OUT,
            kind=CareMessageKind.CARE_COMMUNICATION,
            status=CareMessageStatus.READY,
            thread=earlier.thread if earlier else public_id,
            replies_to=earlier,
            partner=partner,
            counterpart_name=recipient.name,
            counterpart_sor=recipient.sor,
            counterpart_ean=recipient.ean,
            category=category,
            topic=topic,
            text=text,
            author=segment.author,
            activity=content.activity,
            header_id=header_id,
            bundle=bundle,
            created_by=actor.user,
            created_at=now,
            dictation_public_id=dictation_public_id,
        )
        message_event(message, CareMessageStatus.READY, now)
        access_log_record(
            actor=actor,
            action=Action.CREATE,
            purpose=Purpose.TREATMENT,
            channel=channel,
            object_type="care_message",
            object_id=message.public_id,
            patient_id=patient.public_id,
            organisation_id=organisation_id,
        )
        message_deliver(message, now)
    return message


def care_message_reply(
    *, actor: Actor, message: CareMessage, text: str, channel: Channel = Channel.UI
) -> CareMessage:
    """Answer a message of a thread: to the same partner, about the same patient and matter."""
    if message.kind != CareMessageKind.CARE_COMMUNICATION or message.patient is None:
        raise MessageError(MessageCode.NOT_ANSWERABLE, MessageError.NOT_ANSWERABLE)
    return care_message_send(
        actor=actor,
        patient=message.patient,
        recipient=fhir.Party(
            sor=message.counterpart_sor, ean=message.counterpart_ean, name=message.counterpart_name
        ),
        category=message.category,
        topic=message.topic,
        text=text,
        replies_to=message,
        channel=channel,
    )


def care_message_resend(*, actor: Actor, message: CareMessage) -> CareMessage:
    """Try a failed message's transport again (the same Bundle)."""
    require(actor, Perm.RECORD_WRITE)
    with transaction.atomic(durable=True):
        locked = CareMessage.objects.select_for_update().get(pk=message.pk)
        if locked.status != CareMessageStatus.FAILED or not locked.bundle:
            return locked  # an unsent copy is sent again from the patient's page
        message_deliver(locked, timezone.now())
    return locked


def care_message_forward(
    *,
    actor: Actor,
    message: CareMessage,
    recipient: fhir.Party,
    text: str,
    channel: Channel = Channel.UI,
) -> CareMessage:
    """Forward a received CareCommunication (read through its door by the caller) to another
    partner: our note first, then the forwarded text segments and attachments; Provenance
    activity "forward-message" naming the forwarded message. It joins the same thread."""
    if (
        message.kind != CareMessageKind.CARE_COMMUNICATION
        or message.direction != Direction.IN
        or message.patient is None
    ):
        raise MessageError(MessageCode.NOT_FORWARDABLE, MessageError.NOT_FORWARDABLE)
    parsed = fhir.message_parse(message.bundle)
    attachments = parsed.attachments if isinstance(parsed, fhir.CareCommunication) else ()
    return care_message_send(
        actor=actor,
        patient=message.patient,
        recipient=recipient,
        category=message.category,
        topic=message.topic,
        text=text,
        forwards=message,
        attachments=attachments,
        channel=channel,
    )
