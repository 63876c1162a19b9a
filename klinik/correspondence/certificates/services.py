"""Writes of certificates (attester): a request registered with its requester and reply date
(the type's deadline from the day received, unless given), written as a letter from a letter
template, sent through the letter's channel, and then marked for invoicing at the fee and VAT
of its type on the day it was received. Billing issues the invoice
(billing.certificates.invoice_from_certificate) with the certificate as its source."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.certificates.choices import CertificateStatus
from klinik.correspondence.certificates.errors import CertificateCode, CertificateError
from klinik.correspondence.certificates.selectors import certificate_price
from klinik.correspondence.letters.choices import LetterKind, LetterStatus
from klinik.correspondence.letters.services import letter_draft, letter_send, letter_write
from klinik.correspondence.models import Certificate, CertificateType, LetterTemplate
from klinik.patients.models import Patient


def _log(certificate: Certificate, actor: Actor, action: Action, reason: str = "") -> None:
    access_log_record(
        actor=actor,
        action=action,
        purpose=Purpose.TREATMENT,
        channel=Channel.UI,
        object_type="certificate",
        object_id=certificate.public_id,
        patient_id=certificate.patient.public_id,
        organisation_id=certificate.organisation_id,
        reason=reason,
    )


def _text(value: str, field: str, limit: int, *, required: bool = False) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise CertificateError(CertificateCode.REQUIRED, CertificateError.REQUIRED, field)
    if len(value) > limit:
        raise CertificateError(
            CertificateCode.TOO_LONG, CertificateError.TOO_LONG % {"max": limit}, field
        )
    return value


def certificate_register(
    *,
    actor: Actor,
    patient: Patient,
    certificate_type: CertificateType | None,
    requester: str,
    received_on: date,
    requester_reference: str = "",
    due_on: date | None = None,
) -> Certificate:
    """A request for a certificate; it waits in the work queue until its reply date."""
    require(actor, Perm.RECORD_WRITE)
    if certificate_type is None:
        raise CertificateError(
            CertificateCode.REQUIRED, CertificateError.REQUIRED, "certificate_type"
        )
    if certificate_type.organisation_id not in (None, patient.organisation_id):
        raise CertificateError(
            CertificateCode.NOT_YOURS, CertificateError.NOT_YOURS, "certificate_type"
        )
    requester = _text(requester, "requester", 200, required=True)
    requester_reference = _text(requester_reference, "requester_reference", 100)
    if received_on > timezone.localdate():
        raise CertificateError(
            CertificateCode.DATE_IN_FUTURE, CertificateError.DATE_IN_FUTURE, "received_on"
        )
    if due_on is None:
        if certificate_type.reply_days is None:
            raise CertificateError(
                CertificateCode.NO_DEADLINE, CertificateError.NO_DEADLINE, "due_on"
            )
        due_on = received_on + timedelta(days=certificate_type.reply_days)
    if due_on < received_on:
        raise CertificateError(
            CertificateCode.DUE_BEFORE_RECEIVED, CertificateError.DUE_BEFORE_RECEIVED, "due_on"
        )
    with transaction.atomic(durable=True):
        certificate = Certificate.objects.create(
            organisation_id=patient.organisation_id,
            unit=actor.unit if actor.unit else patient.unit,
            patient=patient,
            certificate_type=certificate_type,
            requester=requester,
            requester_reference=requester_reference,
            received_on=received_on,
            due_on=due_on,
            status=CertificateStatus.REQUESTED,
            fee=certificate_price(
                certificate_type=certificate_type,
                organisation_id=patient.organisation_id,
                day=received_on,
            ),
            vat_rate=certificate_type.vat_rate,
            created_by=actor.user,
            created_at=timezone.now(),
        )
        _log(certificate, actor, Action.CREATE)
    return certificate


def certificate_write(
    *, actor: Actor, certificate: Certificate, template: LetterTemplate | None
) -> Certificate:
    """Write the certificate as a letter from `template` (merge fields filled; the text can be
    corrected on the letter before it is sent only by writing it again)."""
    require(actor, Perm.RECORD_WRITE)
    if template is None:
        raise CertificateError(CertificateCode.REQUIRED, CertificateError.REQUIRED, "template")
    if template.organisation_id != certificate.organisation_id:
        raise CertificateError(CertificateCode.NOT_YOURS, CertificateError.NOT_YOURS, "template")
    if certificate.status not in (CertificateStatus.REQUESTED, CertificateStatus.WRITTEN):
        raise CertificateError(CertificateCode.BAD_STATE, CertificateError.BAD_STATE)
    subject, body = letter_draft(actor=actor, patient=certificate.patient, template=template)
    kind = certificate.certificate_type
    letter = letter_write(
        actor=actor,
        patient=certificate.patient,
        subject=f"{kind.code} {kind.name}: {subject}"[:200]
        if subject
        else f"{kind.code} {kind.name}",
        body=body,
        template=template,
        kind=LetterKind.FREE,
    )
    with transaction.atomic(durable=True):
        locked = (
            Certificate.objects.select_for_update().select_related("patient").get(pk=certificate.pk)
        )
        if locked.status not in (CertificateStatus.REQUESTED, CertificateStatus.WRITTEN):
            raise CertificateError(CertificateCode.BAD_STATE, CertificateError.BAD_STATE)
        locked.letter, locked.status = letter, CertificateStatus.WRITTEN
        locked.save(update_fields=["letter", "status"])
        _log(locked, actor, Action.UPDATE, reason=f"written as letter {letter.public_id}")
    return locked


def certificate_send(*, actor: Actor, certificate: Certificate, channel: str) -> Certificate:
    """Send the certificate's letter through `channel` (print, e-mail, Digital Post). Sent, it
    is marked for invoicing when its type has a fee; a channel's refusal leaves it written
    (the letter is failed, in the work queue) and says why."""
    require(actor, Perm.RECORD_WRITE)
    if certificate.status != CertificateStatus.WRITTEN or certificate.letter is None:
        raise CertificateError(CertificateCode.BAD_STATE, CertificateError.BAD_STATE)
    letter = certificate.letter
    # A letter sent before (the certificate's own commit failed then) is not sent twice.
    if letter.status != LetterStatus.SENT:
        letter = letter_send(actor=actor, letter=letter, channel=channel)
    if letter.status != LetterStatus.SENT:
        raise CertificateError(
            CertificateCode.NOT_SENT,
            CertificateError.NOT_SENT % {"reason": letter.error},
            "channel",
        )
    with transaction.atomic(durable=True):
        locked = (
            Certificate.objects.select_for_update().select_related("patient").get(pk=certificate.pk)
        )
        locked.status, locked.sent_at = CertificateStatus.SENT, letter.sent_at
        locked.is_to_invoice = locked.fee is not None and locked.fee > 0
        locked.save(update_fields=["status", "sent_at", "is_to_invoice"])
        _log(locked, actor, Action.UPDATE, reason=f"sent by {channel}")
    return locked


def certificate_cancel(*, actor: Actor, certificate: Certificate) -> Certificate:
    require(actor, Perm.RECORD_WRITE)
    with transaction.atomic(durable=True):
        locked = (
            Certificate.objects.select_for_update().select_related("patient").get(pk=certificate.pk)
        )
        if locked.status not in (CertificateStatus.REQUESTED, CertificateStatus.WRITTEN):
            raise CertificateError(CertificateCode.BAD_STATE, CertificateError.BAD_STATE)
        locked.status = CertificateStatus.CANCELLED
        locked.save(update_fields=["status"])
        _log(locked, actor, Action.UPDATE, reason="cancelled")
    return locked
