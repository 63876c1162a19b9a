"""Receiving: an incoming Bundle matched by CPR (or left for a secretary), always
acknowledged (FCTL); an incoming acknowledgement marks our message "kvitteret"; filing an
unmatched message on a patient."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.messages import fhir
from klinik.correspondence.messages.choices import (
    CareMessageKind,
    CareMessageStatus,
    Direction,
)
from klinik.correspondence.messages.errors import BundleRefused, MessageCode, MessageError
from klinik.correspondence.messages.services.partners import (
    organisation_id_of,
    own_partner,
    party_of,
)
from klinik.correspondence.messages.services.sending import message_deliver, message_event
from klinik.correspondence.models import CareMessage, Partner
from klinik.patients.models import Patient

# Receiving ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    message: CareMessage
    acknowledgement: CareMessage | None  # the FCTL we sent (None for an acknowledgement)
    is_duplicate: bool = False


def _patient_by_cpr(organisation_id: int, cpr: str) -> Patient | None:
    return (
        Patient.objects.filter(organisation_id=organisation_id, cpr=cpr, merged_into__isnull=True)
        .select_related("unit")
        .first()
    )


def care_message_receive(
    *, actor: Actor, document: object, channel: Channel = Channel.API
) -> Received:
    """Take an incoming message Bundle: a CareCommunication is stored, matched to a patient by
    CPR (or left unmatched for a secretary) and acknowledged; an Acknowledgement marks our
    message acknowledged. The same Bundle posted again answers as the first time."""
    require(actor, Perm.RECORD_WRITE)
    organisation_id = organisation_id_of(actor)
    try:
        parsed = fhir.message_parse(document)
    except fhir.BundleInvalid as exc:
        raise BundleRefused(exc.missing, exc.problem) from exc
    own = own_partner(organisation_id=organisation_id)
    if parsed.receiver.sor != own.sor:
        raise BundleRefused(
            "MessageHeader.destination.receiver", f"not addressed to us (SOR {own.sor})"
        )
    if isinstance(parsed, fhir.Acknowledgement):
        return _acknowledgement_receive(actor, organisation_id, parsed, document, channel)
    return _care_receive(actor, organisation_id, own, parsed, document, channel)


def _existing(organisation_id: int, header_id: uuid.UUID) -> CareMessage | None:
    return CareMessage.objects.filter(
        organisation_id=organisation_id, direction=Direction.IN, header_id=header_id
    ).first()


def _care_receive(
    actor: Actor,
    organisation_id: int,
    own: Partner,
    parsed: fhir.CareCommunication,
    document: object,
    channel: Channel,
) -> Received:
    existing = _existing(organisation_id, parsed.header_id)
    if existing is not None:
        ack = CareMessage.objects.filter(
            acknowledges=existing, direction=Direction.OUT, kind=CareMessageKind.ACKNOWLEDGEMENT
        ).first()
        return Received(existing, ack, is_duplicate=True)
    now = timezone.now()
    patient = _patient_by_cpr(organisation_id, parsed.cpr)
    answered = None
    if parsed.replies_to is not None:
        answered = CareMessage.objects.filter(
            organisation_id=organisation_id, direction=Direction.OUT, header_id=parsed.replies_to
        ).first()
    newest = parsed.segments[0]
    try:
        with transaction.atomic(durable=True):
            public_id = uuid.uuid4()
            message = CareMessage.objects.create(
                public_id=public_id,
                organisation_id=organisation_id,
                unit=(patient.unit if patient else None) or actor.unit,
                patient=patient,
                direction=Direction.IN,
                kind=CareMessageKind.CARE_COMMUNICATION,
                status=CareMessageStatus.RECEIVED if patient else CareMessageStatus.UNMATCHED,
                thread=answered.thread
                if answered and answered.patient_id == getattr(patient, "pk", None)
                else public_id,
                replies_to=answered,
                partner=Partner.objects.filter(
                    organisation_id=organisation_id, sor=parsed.sender.sor
                ).first(),
                counterpart_name=parsed.sender.name[:200],
                counterpart_sor=parsed.sender.sor[:20],
                counterpart_ean=parsed.sender.ean[:13],
                category=parsed.category[:40],
                topic=parsed.topic[:200],
                text=newest.text,
                author=newest.author[:200],
                activity=parsed.activity[:20],
                header_id=parsed.header_id,
                bundle=document,
                created_at=now,
            )
            message_event(message, message.status, now)
            access_log_record(
                actor=actor,
                action=Action.CREATE,
                purpose=Purpose.TREATMENT,
                channel=channel,
                object_type="care_message",
                object_id=message.public_id,
                patient_id=patient.public_id if patient else None,
                organisation_id=organisation_id,
            )
            ack = _acknowledge(actor, organisation_id, own, message, parsed, now)
    except IntegrityError:
        # The same Bundle posted twice at once: the other request stored it.
        existing = _existing(organisation_id, parsed.header_id)
        if existing is None:
            raise
        return Received(existing, None, is_duplicate=True)
    return Received(message, ack)


def _acknowledge(
    actor: Actor,
    organisation_id: int,
    own: Partner,
    message: CareMessage,
    parsed: fhir.CareCommunication,
    now: datetime,
) -> CareMessage:
    """The positive acknowledgement (FCTL) of a received message, sent back to its sender."""
    header_id = uuid.uuid4()
    bundle = fhir.acknowledgement_build(
        fhir.Acknowledgement(
            header_id=header_id,
            at=now,
            sender=party_of(own),
            receiver=parsed.sender,
            acknowledges=parsed.header_id,
        )
    )
    ack = CareMessage.objects.create(
        organisation_id=organisation_id,
        unit=message.unit,
        patient=message.patient,
        direction=Direction.OUT,
        kind=CareMessageKind.ACKNOWLEDGEMENT,
        status=CareMessageStatus.READY,
        thread=message.thread,
        acknowledges=message,
        partner=message.partner,
        counterpart_name=message.counterpart_name,
        counterpart_sor=message.counterpart_sor,
        counterpart_ean=message.counterpart_ean,
        header_id=header_id,
        bundle=bundle,
        created_by=actor.user,
        created_at=now,
    )
    message_event(ack, CareMessageStatus.READY, now)
    message_deliver(ack, now)
    return ack


def _acknowledgement_receive(
    actor: Actor,
    organisation_id: int,
    parsed: fhir.Acknowledgement,
    document: object,
    channel: Channel,
) -> Received:
    existing = _existing(organisation_id, parsed.header_id)
    if existing is not None:
        return Received(existing, None, is_duplicate=True)
    now = timezone.now()
    with transaction.atomic(durable=True):
        ours = (
            CareMessage.objects.select_for_update()
            .filter(
                organisation_id=organisation_id,
                direction=Direction.OUT,
                header_id=parsed.acknowledges,
            )
            .first()
        )
        if ours is None:
            raise BundleRefused(
                "MessageHeader.response.identifier", "acknowledges no message we sent"
            )
        message = CareMessage.objects.create(
            organisation_id=organisation_id,
            unit=ours.unit,
            patient=ours.patient,
            direction=Direction.IN,
            kind=CareMessageKind.ACKNOWLEDGEMENT,
            status=CareMessageStatus.RECEIVED,
            thread=ours.thread,
            acknowledges=ours,
            partner=ours.partner,
            counterpart_name=parsed.sender.name[:200],
            counterpart_sor=parsed.sender.sor[:20],
            counterpart_ean=parsed.sender.ean[:13],
            header_id=parsed.header_id,
            bundle=document,
            created_at=now,
        )
        message_event(message, CareMessageStatus.RECEIVED, now, parsed.code)
        if ours.status == CareMessageStatus.SENT and parsed.code == "ok":
            ours.status = CareMessageStatus.ACKNOWLEDGED
            ours.acknowledged_at = now
            ours.save(update_fields=["status", "acknowledged_at"])
            message_event(ours, CareMessageStatus.ACKNOWLEDGED, now)
        elif parsed.code != "ok":
            ours.status = CareMessageStatus.FAILED
            ours.error = f"Negative acknowledgement: {parsed.code}"[:500]
            ours.save(update_fields=["status", "error"])
            message_event(ours, CareMessageStatus.FAILED, now, ours.error)
    return Received(message, None)


def care_message_match(
    *, actor: Actor, message: CareMessage, patient: Patient, channel: Channel = Channel.UI
) -> CareMessage:
    """File an unmatched incoming message on the patient the secretary found (read through the
    patient door by the caller): it leaves the work queue and joins the patient's messages."""
    require(actor, Perm.RECORD_WRITE)
    now = timezone.now()
    with transaction.atomic(durable=True):
        locked = CareMessage.objects.select_for_update().get(pk=message.pk)
        if locked.status != CareMessageStatus.UNMATCHED or locked.patient_id is not None:
            raise MessageError(MessageCode.ALREADY_MATCHED, MessageError.ALREADY_MATCHED)
        if patient.organisation_id != locked.organisation_id:
            raise MessageError(MessageCode.ALREADY_MATCHED, MessageError.ALREADY_MATCHED)
        locked.patient = patient
        locked.unit = patient.unit or locked.unit
        locked.status = CareMessageStatus.RECEIVED
        locked.save(update_fields=["patient", "unit", "status"])
        CareMessage.objects.filter(acknowledges=locked, patient__isnull=True).update(
            patient=patient
        )
        message_event(locked, CareMessageStatus.RECEIVED, now, "matched by a secretary")
        access_log_record(
            actor=actor,
            action=Action.UPDATE,
            purpose=Purpose.ADMINISTRATION,
            channel=channel,
            object_type="care_message",
            object_id=locked.public_id,
            patient_id=patient.public_id,
            organisation_id=locked.organisation_id,
        )
    return locked
