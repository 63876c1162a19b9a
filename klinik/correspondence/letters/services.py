"""Writes of the letters: templates (merge fields checked), writing a letter (merged, rendered
to PDF, kept unchanged from then on) and sending it through a channel — print, e-mail or
Digital Post — with every attempt in its status history. A letter ends sent or visibly failed
(in the work queue), never in between."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.errors import DomainError
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.channels.digital_post import (
    DigitalPostError,
    digital_post_backend,
    digital_post_message,
)
from klinik.correspondence.letters.choices import LetterChannel, LetterKind, LetterStatus
from klinik.correspondence.letters.merge import FIELDS, MergeProblem, fields_check, fields_fill
from klinik.correspondence.letters.pdf import letter_pdf
from klinik.correspondence.letters.record import letter_file_in_record
from klinik.correspondence.models import Letter, LetterBatch, LetterEvent, LetterTemplate
from klinik.patients.models import Patient
from klinik.records.choices import DictationStatus
from klinik.records.documents.storage import files_removed_on_failure
from klinik.records.models import Dictation
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.models import Appointment


class LetterCode(StrEnum):
    REQUIRED = "required"
    UNKNOWN_FIELD = "unknown_field"
    BAD_CHANNEL = "bad_channel"
    NOT_SENDABLE = "not_sendable"
    NO_EMAIL = "no_email"
    TEMPLATE_NOT_YOURS = "template_not_yours"
    NOT_SIGNED = "not_signed"


class LetterError(DomainError):
    REQUIRED = _("This field is required.")
    UNKNOWN_FIELDS = _("Unknown merge fields: %(unknown)s. Use %(known)s.")
    MALFORMED = _("A brace is not closed: write merge fields as {patient_name}.")
    BAD_CHANNEL = _("Not a channel for letters: %(value)s.")
    NOT_SENDABLE = _("The letter is sent already.")
    NO_EMAIL = _("The patient has no e-mail address or has not consented to e-mail.")
    TEMPLATE_NOT_YOURS = _("The template belongs to another organisation.")
    NOT_SIGNED = _("Only a signed dictation can become a letter.")

    def __init__(self, code: LetterCode, message: object, field: str = "") -> None:
        super().__init__(code, message, field)


def _merge_error(problem: MergeProblem, field: str) -> LetterError:
    if problem.is_malformed:
        return LetterError(LetterCode.UNKNOWN_FIELD, LetterError.MALFORMED, field)
    return LetterError(
        LetterCode.UNKNOWN_FIELD,
        LetterError.UNKNOWN_FIELDS
        % {
            "unknown": ", ".join(f"{{{name}}}" for name in problem.unknown),
            "known": ", ".join(f"{{{name}}}" for name in FIELDS),
        },
        field,
    )


def _texts_check(**texts: str) -> None:
    for field, text in texts.items():
        try:
            fields_check(text)
        except MergeProblem as problem:
            raise _merge_error(problem, field) from problem


# Templates ------------------------------------------------------------------------------------


def letter_template_save(
    *,
    actor: Actor,
    unit: Unit | None,
    kind: str,
    title: str,
    subject: str,
    body: str,
    preparation: str = "",
    template: LetterTemplate | None = None,
) -> LetterTemplate:
    require(actor, Perm.CLINIC_SETUP)
    if actor.organisation is None or (unit and unit.organisation_id != actor.organisation.pk):
        raise LetterError(LetterCode.TEMPLATE_NOT_YOURS, LetterError.TEMPLATE_NOT_YOURS)
    for field, value in (("title", title), ("subject", subject), ("body", body)):
        if not value.strip():
            raise LetterError(LetterCode.REQUIRED, LetterError.REQUIRED, field)
    _texts_check(subject=subject, body=body, preparation=preparation)
    if kind not in LetterKind.values:
        raise LetterError(LetterCode.BAD_CHANNEL, LetterError.BAD_CHANNEL % {"value": kind}, "kind")
    with transaction.atomic(durable=True):
        if template is None:
            template = LetterTemplate(organisation=actor.organisation)
        template.unit = unit
        template.kind, template.title = kind, title.strip()
        template.subject, template.body, template.preparation = subject, body, preparation
        template.save()
    return template


# Writing --------------------------------------------------------------------------------------


def _next_appointment(patient: Patient, now: datetime) -> str:
    upcoming = (
        Appointment.objects.filter(patient=patient, start__gte=now, status=AppointmentStatus.BOOKED)
        .select_related("appointment_type")
        .order_by("start")
        .first()
    )
    return "" if upcoming is None else _when(upcoming)


def _when(appointment: Appointment) -> str:
    when = formats.date_format(timezone.localtime(appointment.start), r"l \d\e\n j. F Y \k\l. H.i")
    return f"{when} ({appointment.appointment_type.name})"


def letter_values(
    *,
    actor: Actor,
    patient: Patient,
    template: LetterTemplate | None,
    appointment: Appointment | None = None,
) -> dict[str, str]:
    """The merge fields' values for a letter to `patient` (read through its door); the
    appointment is the one a batch letter is about (a cancelled day's)."""
    now = timezone.now()
    unit = patient.unit or actor.unit
    organisation = actor.organisation
    return {
        "patient_name": patient.name,
        "patient_first_name": patient.given_name,
        "patient_address": ", ".join(
            part
            for part in (patient.address_line, f"{patient.postal_code} {patient.city}".strip())
            if part
        ),
        "next_appointment": _next_appointment(patient, now),
        "appointment": _when(appointment) if appointment else "",
        "preparation": template.preparation if template else "",
        "clinician": actor.user.get_full_name() or actor.user.get_username(),
        "unit": unit.name if unit else "",
        "unit_phone": unit.phone if unit else "",
        "organisation": organisation.name if organisation else "",
        "today": formats.date_format(timezone.localdate(), "j. F Y"),
    }


def letter_draft(
    *, actor: Actor, patient: Patient, template: LetterTemplate | None
) -> tuple[str, str]:
    """The template's subject and text with the merge fields filled (for the editor)."""
    if template is None:
        return "", ""
    values = letter_values(actor=actor, patient=patient, template=template)
    return fields_fill(template.subject, values), fields_fill(template.body, values)


@dataclass(frozen=True)
class Rendered:
    """A letter as it will stand: merge fields filled, signature, PDF."""

    subject: str
    body: str
    signature: str
    pdf: bytes


def letter_render(
    *,
    actor: Actor,
    patient: Patient,
    subject: str,
    body: str,
    template: LetterTemplate | None = None,
    appointment: Appointment | None = None,
) -> Rendered:
    """Fill the merge fields and render the PDF, storing nothing: the editor's preview and
    the first half of letter_write. Raises LetterError for a missing subject or text and for
    an unknown merge field."""
    if template is not None and template.organisation_id != patient.organisation_id:
        raise LetterError(LetterCode.TEMPLATE_NOT_YOURS, LetterError.TEMPLATE_NOT_YOURS)
    if not subject.strip():
        raise LetterError(LetterCode.REQUIRED, LetterError.REQUIRED, "subject")
    if not body.strip():
        raise LetterError(LetterCode.REQUIRED, LetterError.REQUIRED, "body")
    _texts_check(subject=subject, body=body)
    values = letter_values(actor=actor, patient=patient, template=template, appointment=appointment)
    subject = fields_fill(subject, values).strip()[:200]
    body = fields_fill(body.replace("\r\n", "\n"), values).strip()
    unit = patient.unit or actor.unit
    organisation = actor.organisation
    assert organisation is not None  # RECORD_WRITE is only held in an organisation
    signature = values["clinician"] + (f"\n{unit.name}" if unit else "")
    pdf = letter_pdf(
        sender_lines=[
            organisation.name,
            unit.name if unit else "",
            ", ".join(
                p
                for p in (organisation.address, f"{organisation.postal_code} {organisation.city}")
                if p.strip()
            ),
            f"Telefon {unit.phone}" if unit and unit.phone else "",
        ],
        logo_key=organisation.logo_key,
        recipient_lines=[
            patient.name,
            patient.address_line,
            f"{patient.postal_code} {patient.city}",
        ],
        day=timezone.localdate(),
        subject=subject,
        body=body,
        signature=signature,
        title=subject,
    )
    return Rendered(subject=subject, body=body, signature=signature, pdf=pdf)


def letter_write(
    *,
    actor: Actor,
    patient: Patient,
    subject: str,
    body: str,
    template: LetterTemplate | None = None,
    kind: str = LetterKind.FREE,
    channel: Channel = Channel.UI,
    appointment: Appointment | None = None,
    batch: LetterBatch | None = None,
) -> Letter:
    """Write the letter: merge fields still in the text are filled, the PDF rendered; from
    here on the letter is what was sent (status "ready" until a channel takes it)."""
    require(actor, Perm.RECORD_WRITE)
    rendered = letter_render(
        actor=actor,
        patient=patient,
        subject=subject,
        body=body,
        template=template,
        appointment=appointment,
    )
    organisation = actor.organisation
    assert organisation is not None  # RECORD_WRITE is only held in an organisation
    now = timezone.now()
    with transaction.atomic(durable=True):
        letter = Letter.objects.create(
            organisation=organisation,
            unit=patient.unit or actor.unit,
            patient=patient,
            template=template,
            kind=template.kind if template else kind,
            subject=rendered.subject,
            body=rendered.body,
            signature=rendered.signature[:200],
            pdf=rendered.pdf,
            status=LetterStatus.READY,
            created_by=actor.user,
            created_at=now,
            batch=batch,
        )
        _event(letter, LetterStatus.READY, now)
        access_log_record(
            actor=actor,
            action=Action.CREATE,
            purpose=Purpose.TREATMENT,
            channel=channel,
            object_type="letter",
            object_id=letter.public_id,
            patient_id=patient.public_id,
            organisation_id=organisation.pk,
        )
    return letter


def _event(letter: Letter, status: str, at: datetime, channel: str = "", note: str = "") -> None:
    LetterEvent.objects.create(
        organisation_id=letter.organisation_id,
        letter=letter,
        status=status,
        channel=channel,
        at=at,
        note=note[:500],
    )


# Sending --------------------------------------------------------------------------------------


def _deliver(letter: Letter, channel: str) -> str:
    """Hand the letter to the channel; returns its reference. Raises DigitalPostError or
    OSError (mail) when the channel refuses."""
    patient = letter.patient
    if channel == LetterChannel.PRINT:
        return "printed"
    if channel == LetterChannel.EMAIL:
        if not (patient.email and patient.consent_email):
            raise LetterError(LetterCode.NO_EMAIL, LetterError.NO_EMAIL, "channel")
        mail = EmailMessage(
            subject=letter.subject,
            body=f"Brev fra {letter.organisation.name} vedhæftet som PDF.",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[patient.email],
        )
        mail.attach(f"brev-{letter.public_id}.pdf", bytes(letter.pdf), "application/pdf")
        mail.send()
        return f"mail:{letter.public_id}"
    message = digital_post_message(
        cpr=patient.cpr,
        sender_name=letter.organisation.name,
        sender_cvr=letter.organisation.cvr,
        subject=letter.subject,
        reference=str(letter.public_id),
        pdf=bytes(letter.pdf),
    )
    return digital_post_backend().send(message, bytes(letter.pdf))


def _files_remove(written: list[Path]) -> None:
    """The record's files of a savepoint that was rolled back (the outer transaction goes on)."""
    for path in written:
        with suppress(OSError):
            path.unlink(missing_ok=True)
    written.clear()


def letter_send(*, actor: Actor, letter: Letter, channel: str) -> Letter:
    """Send a ready (or failed) letter through `channel`. A refusal of the channel leaves the
    letter failed with the reason, in the work queue; "print" is sent when printed. Sent, it is
    in the patient's record: an "Udgående brev" journal entry with its PDF (letters/record.py)."""
    require(actor, Perm.RECORD_WRITE)
    if channel not in LetterChannel.values:
        raise LetterError(
            LetterCode.BAD_CHANNEL, LetterError.BAD_CHANNEL % {"value": channel}, "channel"
        )
    now = timezone.now()
    with files_removed_on_failure() as written, transaction.atomic(durable=True):
        locked = (
            Letter.objects.select_for_update()
            .select_related("patient", "organisation")
            .get(pk=letter.pk)
        )
        if locked.status not in (LetterStatus.READY, LetterStatus.FAILED):
            raise LetterError(LetterCode.NOT_SENDABLE, LetterError.NOT_SENDABLE)
        locked.channel = channel
        filed_before = (locked.entry, locked.document)  # sent once, failed since (a receipt)
        try:
            # Filed in the record first (a savepoint), so a refused send leaves no entry.
            with transaction.atomic():
                letter_file_in_record(actor=actor, letter=locked, channel=channel, written=written)
                reference = _deliver(locked, channel)
        except (DigitalPostError, OSError, LetterError) as exc:
            _files_remove(written)
            locked.entry, locked.document = filed_before
            locked.status = LetterStatus.FAILED
            locked.error = str(getattr(exc, "message", exc))[:500]
            locked.save(update_fields=["status", "channel", "error"])
            _event(locked, LetterStatus.FAILED, now, channel, locked.error)
        else:
            locked.status = LetterStatus.SENT
            locked.sent_at = now
            locked.error = ""
            locked.provider_reference = reference[:200]
            locked.save(
                update_fields=["status", "channel", "sent_at", "error", "provider_reference"]
            )
            _event(locked, LetterStatus.SENT, now, channel, reference)
        access_log_record(
            actor=actor,
            action=Action.EXPORT,
            purpose=Purpose.TREATMENT,
            channel=Channel.UI,
            object_type="letter",
            object_id=locked.public_id,
            patient_id=locked.patient.public_id,
            organisation_id=locked.organisation_id,
            reason=f"sent by {channel}",
        )
    return locked


EPIKRISE_SUBJECT = "Epikrise"


def letter_from_dictation(*, actor: Actor, dictation: Dictation) -> Letter:
    """An epikrise letter from a signed dictation (read through its door by the caller): the
    approved transcript as the letter's text, ready to send."""
    entry = dictation.entry
    if dictation.status != DictationStatus.DONE or entry is None:
        raise LetterError(LetterCode.NOT_SIGNED, LetterError.NOT_SIGNED)
    return letter_write(
        actor=actor,
        patient=dictation.patient,
        subject=EPIKRISE_SUBJECT,
        body=entry.text.replace("{", "{{").replace("}", "}}"),  # braces are text here
        kind=LetterKind.DISCHARGE,
    )
