"""Writes of patient messages (e-konsultation). A message arrives through an adapter —
`patient_message_receive` is the adapter's entry point; the local backend is the self-service
form behind the patient's signed link — is triaged by a secretary to a clinician, answered,
and kept in the record: question and answer become one journal entry. The patient is told
that an answer waits (the outbox; the text says no more than that) and reads it behind their
link. A message asking for a prescription becomes a renewal request."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.models import Membership, User
from klinik.core.policy import ROLE_PERMISSIONS, Actor, Perm, require
from klinik.correspondence.choices import MessageKind
from klinik.correspondence.econsult.choices import PatientMessageStatus, PatientMessageVia
from klinik.correspondence.econsult.errors import EconsultCode, EconsultError
from klinik.correspondence.models import PatientMessage, Renewal
from klinik.correspondence.renewals.choices import RenewalSource
from klinik.correspondence.renewals.services import renewal_create
from klinik.correspondence.selfservice.notices import patient_notice_queue
from klinik.patients.models import Patient
from klinik.records.choices import EntryType
from klinik.records.journal.services import EntryDraft, journal_entry_create

SUBJECT_MAX = 200
TEXT_MAX = 5000
# Who may answer: the roles that write in the record and sign it (clinicians).
CLINICIAN_ROLES = [
    role
    for role, perms in ROLE_PERMISSIONS.items()
    if {Perm.RECORD_WRITE, Perm.RECORD_SIGN} <= perms
]


def _text(value: str, field: str, limit: int) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if not value:
        raise EconsultError(EconsultCode.REQUIRED, EconsultError.REQUIRED, field)
    if len(value) > limit:
        raise EconsultError(EconsultCode.TOO_LONG, EconsultError.TOO_LONG % {"max": limit}, field)
    return value


def _log(message: PatientMessage, action: Action, actor: Actor | None, reason: str = "") -> None:
    access_log_record(
        actor=actor,
        username="" if actor else "self-service",
        action=action,
        purpose=Purpose.TREATMENT if actor else Purpose.PATIENT_REQUEST,
        channel=Channel.UI,
        object_type="patient_message",
        object_id=message.public_id,
        patient_id=message.patient.public_id,
        organisation_id=message.organisation_id,
        reason=reason,
    )


def clinicians_for(*, organisation_id: int) -> list[User]:
    ids = Membership.objects.filter(
        organisation_id=organisation_id, role__in=CLINICIAN_ROLES, is_active=True
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("first_name", "pk"))


def patient_message_receive(
    *, patient: Patient, subject: str, text: str, via: str = PatientMessageVia.SELF_SERVICE
) -> PatientMessage:
    """A message from the patient, as an adapter hands it over; it waits for triage."""
    subject = " ".join(_text(subject, "subject", SUBJECT_MAX).split())
    text = _text(text, "text", TEXT_MAX)
    with transaction.atomic(durable=True):
        message = PatientMessage.objects.create(
            organisation_id=patient.organisation_id,
            unit=patient.unit,
            patient=patient,
            via=via,
            subject=subject,
            text=text,
            received_at=timezone.now(),
            status=PatientMessageStatus.NEW,
        )
        _log(message, Action.CREATE, None, reason=f"received via {via}")
    return message


def _locked(message: PatientMessage) -> PatientMessage:
    locked = (
        PatientMessage.objects.select_for_update()
        .select_related("patient", "patient__organisation")
        .get(pk=message.pk)
    )
    if locked.status not in (PatientMessageStatus.NEW, PatientMessageStatus.TRIAGED):
        raise EconsultError(EconsultCode.NOT_OPEN, EconsultError.NOT_OPEN)
    return locked


def patient_message_triage(
    *, actor: Actor, message: PatientMessage, clinician: User | None
) -> PatientMessage:
    """The secretary gives the message to a clinician (again, to another, while unanswered)."""
    require(actor, Perm.RECORD_WRITE)
    allowed = {u.pk for u in clinicians_for(organisation_id=message.organisation_id)}
    if clinician is None or clinician.pk not in allowed:
        raise EconsultError(
            EconsultCode.NOT_A_CLINICIAN, EconsultError.NOT_A_CLINICIAN, "clinician"
        )
    with transaction.atomic(durable=True):
        locked = _locked(message)
        locked.status, locked.assigned_to = PatientMessageStatus.TRIAGED, clinician
        locked.triaged_by, locked.triaged_at = actor.user, timezone.now()
        locked.save()
        _log(locked, Action.UPDATE, actor, reason="triaged")
    return locked


def patient_message_answer(
    *, actor: Actor, message: PatientMessage, answer: str, channel: Channel = Channel.UI
) -> PatientMessage:
    """The clinician's answer: kept with the message and, with the question, in the record;
    the patient is told an answer waits behind their link."""
    require(actor, Perm.RECORD_WRITE)
    answer = _text(answer, "answer", TEXT_MAX)
    with transaction.atomic(durable=True):
        locked = _locked(message)
        if not (actor.can(Perm.RECORD_SIGN) or locked.assigned_to_id == actor.user.pk):
            raise EconsultError(EconsultCode.NOT_YOURS, EconsultError.NOT_YOURS, "answer")
        entry = journal_entry_create(
            actor=actor,
            patient=locked.patient,
            draft=EntryDraft(
                entry_type=EntryType.NOTE,
                title=f"E-konsultation: {locked.subject}"[:200],
                text=f"Patientens besked ({timezone.localtime(locked.received_at):%d.%m.%Y %H.%M}):"
                f"\n{locked.text}\n\nSvar:\n{answer}",
            ),
            channel=channel,
        )
        now = timezone.now()
        locked.status, locked.answer = PatientMessageStatus.ANSWERED, answer
        locked.answered_by, locked.answered_at = actor.user, now
        locked.journal_entry_public_id = entry.public_id
        if locked.assigned_to_id is None:
            locked.assigned_to = actor.user
        locked.save()
        patient_notice_queue(
            patient=locked.patient, unit_id=locked.unit_id, kind=MessageKind.MESSAGE_ANSWERED
        )
        _log(locked, Action.UPDATE, actor, reason="answered")
    return locked


def patient_message_to_renewal(*, actor: Actor, message: PatientMessage) -> Renewal:
    """A message that asks for a prescription: it becomes a renewal request (the message's
    text as the request) and is closed; the renewal follows its own way."""
    require(actor, Perm.RECORD_WRITE)
    with transaction.atomic(durable=True):
        locked = _locked(message)
        renewal = renewal_create(
            patient=locked.patient,
            source=RenewalSource.MESSAGE,
            request_text=f"{locked.subject}\n{locked.text}"[:1000],
            medication="",
            actor=actor,
            channel=Channel.UI,
            message_public_id=locked.public_id,
        )
        locked.status = PatientMessageStatus.CLOSED
        locked.triaged_by, locked.triaged_at = actor.user, timezone.now()
        locked.save()
        _log(locked, Action.UPDATE, actor, reason=f"renewal {renewal.public_id}")
    return renewal
