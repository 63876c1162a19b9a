"""Writes of prescription renewals: a request registered (phone, the patient's self-service
page, a patient's message), prepared by a secretary (medication, dose, pharmacy, last renewal,
the doctor to decide), approved or declined by a doctor. Approval sends the renewal to FMK
(fmk.py), writes it in the record and tells the patient, in one transaction: a renewal FMK
refuses stays prepared. Only `prescription.renew` decides, and only doctors hold it
(core/policy.py): renewals are never delegated."""

from __future__ import annotations

import uuid
from datetime import date

from django.db import transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.models import Membership, User
from klinik.core.policy import ROLE_PERMISSIONS, Actor, Perm, require
from klinik.correspondence.choices import MessageKind
from klinik.correspondence.models import Renewal
from klinik.correspondence.renewals.choices import RenewalSource, RenewalStatus
from klinik.correspondence.renewals.errors import RenewalCode, RenewalError
from klinik.correspondence.renewals.fmk import FmkError, FmkRenewal, fmk_backend
from klinik.correspondence.selfservice.notices import patient_notice_queue
from klinik.patients.models import Patient
from klinik.records.choices import EntryType
from klinik.records.journal.services import EntryDraft, journal_entry_create

# The roles whose members may be asked to decide: those holding the permission.
DECIDING_ROLES = [r for r, perms in ROLE_PERMISSIONS.items() if Perm.PRESCRIPTION_RENEW in perms]


def _text(value: str, field: str, limit: int, *, required: bool = False) -> str:
    value = " ".join((value or "").split()) if limit <= 200 else (value or "").strip()
    if required and not value:
        raise RenewalError(RenewalCode.REQUIRED, RenewalError.REQUIRED, field)
    if len(value) > limit:
        raise RenewalError(RenewalCode.TOO_LONG, RenewalError.TOO_LONG % {"max": limit}, field)
    return value


def _log(
    renewal: Renewal, action: Action, channel: Channel, actor: Actor | None, reason: str = ""
) -> None:
    access_log_record(
        actor=actor,
        username="" if actor else "self-service",
        action=action,
        purpose=Purpose.TREATMENT if actor else Purpose.PATIENT_REQUEST,
        channel=channel,
        object_type="renewal",
        object_id=renewal.public_id,
        patient_id=renewal.patient.public_id,
        organisation_id=renewal.organisation_id,
        reason=reason,
    )


def doctors_for(*, organisation_id: int) -> list[User]:
    """The users who may decide a renewal in the organisation (active doctor memberships)."""
    ids = Membership.objects.filter(
        organisation_id=organisation_id, role__in=DECIDING_ROLES, is_active=True
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("first_name", "pk"))


def renewal_create(
    *,
    patient: Patient,
    source: str,
    request_text: str,
    medication: str,
    actor: Actor | None,
    channel: Channel,
    message_public_id: uuid.UUID | None = None,
) -> Renewal:
    """A new request, logged; inside the caller's transaction (a patient's message becomes a
    renewal and is closed in one commit)."""
    renewal = Renewal.objects.create(
        organisation_id=patient.organisation_id,
        unit=(actor.unit if actor and actor.unit else None) or patient.unit,
        patient=patient,
        source=source,
        status=RenewalStatus.REQUESTED,
        request_text=_text(request_text, "request_text", 1000),
        medication=_text(medication, "medication", 200),
        message_public_id=message_public_id,
        created_by=actor.user if actor else None,
        created_at=timezone.now(),
    )
    _log(renewal, Action.CREATE, channel, actor, reason=f"requested by {source}")
    return renewal


def renewal_register(
    *,
    actor: Actor,
    patient: Patient,
    request_text: str = "",
    medication: str = "",
    source: str = RenewalSource.PHONE,
    message_public_id: uuid.UUID | None = None,
    channel: Channel = Channel.UI,
) -> Renewal:
    """A request the secretary registers (by phone, or from a patient's message); it waits in
    the work queue to be prepared."""
    require(actor, Perm.RECORD_WRITE)
    if source not in (RenewalSource.PHONE, RenewalSource.MESSAGE):
        source = RenewalSource.PHONE
    if not (request_text or "").strip() and not (medication or "").strip():
        raise RenewalError(RenewalCode.REQUIRED, RenewalError.REQUIRED, "medication")
    with transaction.atomic(durable=True):
        return renewal_create(
            patient=patient,
            source=source,
            request_text=request_text,
            medication=medication,
            actor=actor,
            channel=channel,
            message_public_id=message_public_id,
        )


def renewal_request_receive(*, patient: Patient, medication: str, request_text: str) -> Renewal:
    """A request from the patient's own self-service page (the signed link is the patient's
    identity; no staff actor): logged as the patient's own request."""
    _text(medication, "medication", 200, required=True)
    with transaction.atomic(durable=True):
        return renewal_create(
            patient=patient,
            source=RenewalSource.SELF_SERVICE,
            request_text=request_text,
            medication=medication,
            actor=None,
            channel=Channel.UI,
        )


def _locked(renewal: Renewal) -> Renewal:
    return (
        Renewal.objects.select_for_update()
        .select_related("patient", "patient__organisation", "organisation")
        .get(pk=renewal.pk)
    )


def renewal_prepare(
    *,
    actor: Actor,
    renewal: Renewal,
    medication: str,
    dose: str,
    pharmacy: str,
    last_renewed_on: date | None,
    doctor: User | None,
    note: str = "",
    channel: Channel = Channel.UI,
) -> Renewal:
    """The secretary's preparation; the renewal then waits in the doctor's work queue. A
    prepared renewal may be prepared again (corrected) until it is decided."""
    require(actor, Perm.RECORD_WRITE)
    medication = _text(medication, "medication", 200, required=True)
    dose = _text(dose, "dose", 200, required=True)
    pharmacy = _text(pharmacy, "pharmacy", 200)
    note = _text(note, "note", 500)
    if last_renewed_on is not None and last_renewed_on > timezone.localdate():
        raise RenewalError(
            RenewalCode.DATE_IN_FUTURE, RenewalError.DATE_IN_FUTURE, "last_renewed_on"
        )
    if doctor is None or doctor.pk not in {
        u.pk for u in doctors_for(organisation_id=renewal.organisation_id)
    }:
        raise RenewalError(RenewalCode.NOT_A_DOCTOR, RenewalError.NOT_A_DOCTOR, "doctor")
    with transaction.atomic(durable=True):
        locked = _locked(renewal)
        if not locked.is_open:
            raise RenewalError(RenewalCode.NOT_OPEN, RenewalError.NOT_OPEN)
        locked.medication, locked.dose, locked.pharmacy = medication, dose, pharmacy
        locked.last_renewed_on, locked.note, locked.doctor = last_renewed_on, note, doctor
        locked.status = RenewalStatus.PREPARED
        locked.save()
        _log(locked, Action.UPDATE, channel, actor, reason="prepared")
    return locked


def _record(actor: Actor, renewal: Renewal, channel: Channel, text: str) -> None:
    journal_entry_create(
        actor=actor,
        patient=renewal.patient,
        draft=EntryDraft(entry_type=EntryType.NOTE, title="Receptfornyelse", text=text),
        channel=channel,
    )


def renewal_approve(
    *, actor: Actor, renewal: Renewal, note: str = "", channel: Channel = Channel.UI
) -> Renewal:
    """The doctor approves: FMK renews the prescription, the record says so, the patient is
    told. Refused to anyone without `prescription.renew` (403: a doctor's alone)."""
    require(actor, Perm.PRESCRIPTION_RENEW)
    note = _text(note, "decision_note", 500)
    now = timezone.now()
    with transaction.atomic(durable=True):
        locked = _locked(renewal)
        if not locked.is_open:
            raise RenewalError(RenewalCode.NOT_OPEN, RenewalError.NOT_OPEN)
        if locked.status != RenewalStatus.PREPARED:
            raise RenewalError(RenewalCode.NOT_PREPARED, RenewalError.NOT_PREPARED)
        locked.status, locked.decided_by, locked.decided_at = (
            RenewalStatus.APPROVED,
            actor.user,
            now,
        )
        locked.decision_note = note
        text = f"Recept fornyet: {locked.medication}, {locked.dose}."
        if locked.pharmacy:
            text += f" Apotek: {locked.pharmacy}."
        _record(actor, locked, channel, text + (f"\n{note}" if note else ""))
        patient_notice_queue(
            patient=locked.patient, unit_id=locked.unit_id, kind=MessageKind.RENEWAL_APPROVED
        )
        _log(locked, Action.UPDATE, channel, actor, reason="approved")
        # FMK last: nothing is sent for a renewal whose writes failed.
        try:
            locked.fmk_reference = fmk_backend().renew(
                FmkRenewal(
                    reference=str(locked.public_id),
                    patient_cpr=locked.patient.cpr,
                    medication=locked.medication,
                    dose=locked.dose,
                    pharmacy=locked.pharmacy,
                    prescriber_name=actor.user.get_full_name(),
                    prescriber_username=actor.user.get_username(),
                    organisation_name=locked.organisation.name,
                    approved_at=now.isoformat(),
                )
            )[:200]
        except FmkError as exc:
            raise RenewalError(
                RenewalCode.FMK_FAILED, RenewalError.FMK_FAILED % {"reason": exc}
            ) from exc
        locked.save()
    return locked


def renewal_decline(
    *, actor: Actor, renewal: Renewal, note: str, channel: Channel = Channel.UI
) -> Renewal:
    """The doctor declines (with the reason, kept in the record); the patient is asked to call."""
    require(actor, Perm.PRESCRIPTION_RENEW)
    note = _text(note, "decision_note", 500, required=True)
    with transaction.atomic(durable=True):
        locked = _locked(renewal)
        if not locked.is_open:
            raise RenewalError(RenewalCode.NOT_OPEN, RenewalError.NOT_OPEN)
        locked.status, locked.decided_by = RenewalStatus.DECLINED, actor.user
        locked.decided_at, locked.decision_note = timezone.now(), note
        locked.save()
        medication = locked.medication or locked.request_text[:200]
        _record(actor, locked, channel, f"Receptfornyelse afvist: {medication}.\n{note}")
        patient_notice_queue(
            patient=locked.patient, unit_id=locked.unit_id, kind=MessageKind.RENEWAL_DECLINED
        )
        _log(locked, Action.UPDATE, channel, actor, reason="declined")
    return locked


def renewal_cancel(*, actor: Actor, renewal: Renewal, channel: Channel = Channel.UI) -> Renewal:
    """An open request withdrawn (the patient called back, a duplicate)."""
    require(actor, Perm.RECORD_WRITE)
    with transaction.atomic(durable=True):
        locked = _locked(renewal)
        if not locked.is_open:
            raise RenewalError(RenewalCode.NOT_OPEN, RenewalError.NOT_OPEN)
        locked.status = RenewalStatus.CANCELLED
        locked.save()
        _log(locked, Action.UPDATE, channel, actor, reason="cancelled")
    return locked
