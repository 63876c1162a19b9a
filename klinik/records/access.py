"""The one door to a patient's record (EPJ) and to its rows.

Builds on patients.access: the same 404 for missing and not-yours, the same care-relation and
break-the-glass rules, and every read or write of the record goes into the access log.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from klinik.audit.choices import Action, Channel, Purpose
from klinik.core.policy import Actor, Perm, require
from klinik.patients.access import access_patient
from klinik.patients.models import Patient

M = TypeVar("M", bound=Model)


def access_record(
    *,
    actor: Actor,
    patient_public_id: uuid.UUID | str,
    channel: Channel,
    action: Action = Action.VIEW,
    perm: Perm = Perm.RECORD_READ,
    object_type: str = "record",
) -> Patient:
    """Return the patient whose record the actor may read (or write, with RECORD_WRITE) and log
    the access. Raises PermissionDenied, Http404 or BreakGlassRequired like access_patient."""
    return access_patient(
        actor=actor,
        public_id=patient_public_id,
        channel=channel,
        action=action,
        purpose=Purpose.TREATMENT,
        perm=perm,
        object_type=object_type,
    )


def access_record_row(
    *,
    actor: Actor,
    queryset: QuerySet[M],
    public_id: uuid.UUID | str,
    channel: Channel,
    action: Action = Action.VIEW,
    perm: Perm = Perm.RECORD_READ,
    object_type: str,
) -> M:
    """One organisation-owned record row (entry, contact, dictation, document …) by public id,
    checked through its patient and logged. `queryset` must have `patient` and `organisation`."""
    require(actor, perm)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    row = (
        queryset.filter(public_id=key, organisation_id__in=actor.organisation_ids)
        .select_related("patient")
        .first()
    )
    if row is None:
        raise Http404
    access_record(
        actor=actor,
        patient_public_id=row.patient.public_id,
        channel=channel,
        action=action,
        perm=perm,
        object_type=object_type,
    )
    return row
