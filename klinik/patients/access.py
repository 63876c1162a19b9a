"""The one door to a patient. UI, REST API and FHIR all come through here.

Missing and not-yours get the same 404; every successful read is written to the access log.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core import rows
from klinik.core.hooks import hook_items
from klinik.core.policy import Actor, Perm, require
from klinik.patients.errors import BreakGlassReasonMissing, BreakGlassRequired
from klinik.patients.hooks import CARE_RELATION
from klinik.patients.models import Patient, PatientAccessGrant


def _patient_in_scope(actor: Actor, public_id: uuid.UUID | str) -> Patient:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    # Every read of a patient starts here: the statement is written out (klinik.core.rows).
    patient = rows.by_public_id(Patient, key, actor.organisation_ids)
    if patient is None:
        raise Http404
    if actor.unit is not None and patient.unit_id == actor.unit.pk:
        patient.unit = actor.unit  # the usual case: the header names it without a query
    return patient


def has_care_relation(actor: Actor, patient: Patient) -> bool:
    """Whether the actor's unit treats the patient: the patient belongs to the unit, or another
    app knows of care there (appointments, contacts). Asked only across units."""
    if actor.unit is None or patient.unit_id is None or patient.unit_id == actor.unit.pk:
        return True
    return any(
        check(patient.organisation_id, actor.unit.pk, patient.pk)
        for check in hook_items(CARE_RELATION)
    )


def _has_grant(actor: Actor, patient: Patient) -> bool:
    return PatientAccessGrant.objects.filter(
        organisation_id=patient.organisation_id,
        user=actor.user,
        patient=patient,
        expires_at__gt=timezone.now(),
    ).exists()


def access_patient(
    *,
    actor: Actor,
    public_id: uuid.UUID | str,
    channel: Channel,
    action: Action = Action.VIEW,
    purpose: Purpose = Purpose.TREATMENT,
    perm: Perm = Perm.PATIENT_VIEW,
    object_type: str = "patient",
    is_logged_by_caller: bool = False,
) -> Patient:
    """Return the patient when the actor may see them, and log the access.

    Raises PermissionDenied without the permission (before any lookup, so nothing is
    revealed), Http404 for a missing or foreign patient, BreakGlassRequired without a care
    relation or an emergency grant. `is_logged_by_caller`: the caller writes about the
    patient in the same request and its own entry names them (a booking): one entry, not
    two. An emergency access is logged all the same.
    """
    require(actor, perm)
    patient = _patient_in_scope(actor, public_id)
    break_glass = False
    if not has_care_relation(actor, patient):
        if not _has_grant(actor, patient):
            raise BreakGlassRequired(patient.public_id)
        break_glass = True
    if is_logged_by_caller and not break_glass:
        return patient
    patient_access_log(
        actor,
        action,
        patient,
        channel,
        "under emergency access" if break_glass else "",
        purpose=Purpose.BREAK_GLASS if break_glass else purpose,
        object_type=object_type,
        is_break_glass=break_glass,
    )
    return patient


def patient_access_log(
    actor: Actor,
    action: Action,
    patient: Patient,
    channel: Channel,
    reason: str = "",
    *,
    purpose: Purpose = Purpose.ADMINISTRATION,
    object_type: str = "patient",
    is_break_glass: bool = False,
) -> None:
    """One access-log entry about a patient, filed under the patient's organisation (which
    may differ from the actor's when a clinic community's reception acts)."""
    access_log_record(
        actor=actor,
        action=action,
        purpose=purpose,
        channel=channel,
        object_type=object_type,
        object_id=patient.public_id,
        patient_id=patient.public_id,
        organisation_id=patient.organisation_id,
        reason=reason,
        is_break_glass=is_break_glass,
    )


def patient_break_glass(
    *, actor: Actor, public_id: uuid.UUID | str, reason: str, channel: Channel
) -> PatientAccessGrant:
    """Grant the actor time-limited access outside their care relation, flagged for review."""
    require(actor, Perm.PATIENT_VIEW)
    reason = reason.strip()
    if not reason:
        raise BreakGlassReasonMissing
    patient = _patient_in_scope(actor, public_id)
    now = timezone.now()
    with transaction.atomic():
        grant = PatientAccessGrant.objects.create(
            organisation_id=patient.organisation_id,
            patient=patient,
            user=actor.user,
            reason=reason,
            granted_at=now,
            expires_at=now + timedelta(minutes=settings.KLINIK_BREAK_GLASS_MINUTES),
        )
        patient_access_log(
            actor,
            Action.VIEW,
            patient,
            channel,
            reason,
            purpose=Purpose.BREAK_GLASS,
            is_break_glass=True,
        )
    return grant
