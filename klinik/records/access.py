"""The one door to a patient's record (EPJ) and to its rows.

Builds on patients.access: the same 404 for missing and not-yours, the same care-relation and
break-the-glass rules, and every read or write of the record goes into the access log.

Every door of the record is here, used by the screens, the API and the services alike:

- Reads: `access_record` (the patient) and `access_record_row` (one row, through its patient);
  `journal_entry_access`, `document_access` and `dictation_access` are the latter with the
  row's query.
- Writes: a view fetches the row with `record_row_for_write` (scoped, not logged;
  `contact_for_write`, `dictation_for_write`), and the service that writes calls
  `record_write_begin` in its transaction (checked and logged with the change).
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
from klinik.records.models import Contact, Dictation, Document, JournalEntry

M = TypeVar("M", bound=Model)
# The rows read through their patient (each has `patient` and `organisation`).
RecordRow = TypeVar("RecordRow", Contact, Dictation, Document, JournalEntry)


# Reads -------------------------------------------------------------------------------------------


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
    queryset: QuerySet[RecordRow],
    public_id: uuid.UUID | str,
    channel: Channel,
    action: Action = Action.VIEW,
    perm: Perm = Perm.RECORD_READ,
    object_type: str,
) -> RecordRow:
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


def journal_entry_access(
    *,
    actor: Actor,
    public_id: uuid.UUID | str,
    channel: Channel,
    perm: Perm = Perm.RECORD_READ,
) -> JournalEntry:
    """One journal entry (author, unit and contact loaded) through the record's door: the same
    404 for missing and foreign, logged."""
    return access_record_row(
        actor=actor,
        queryset=JournalEntry.objects.select_related("author", "unit", "contact"),
        public_id=public_id,
        channel=channel,
        perm=perm,
        object_type="journal_entry",
    )


def document_access(
    *, actor: Actor, public_id: object, channel: Channel, action: Action = Action.VIEW
) -> Document:
    """The one door to a stored document: the same 404 for missing and foreign, logged."""
    return access_record_row(
        actor=actor,
        queryset=Document.objects.select_related("uploaded_by", "patient__organisation"),
        public_id=public_id,  # type: ignore[arg-type]
        channel=channel,
        action=action,
        perm=Perm.RECORD_READ,
        object_type="document",
    )


def dictation_access(
    *,
    actor: Actor,
    public_id: uuid.UUID | str,
    channel: Channel = Channel.UI,
    perm: Perm = Perm.RECORD_WRITE,
    action: Action = Action.VIEW,
) -> Dictation:
    """One dictation through the record's door: the same 404 for missing and foreign, logged."""
    return access_record_row(
        actor=actor,
        queryset=Dictation.objects.select_related(
            "patient__unit", "author", "taken_by", "unit", "audio", "entry", "cancelled_by"
        ),
        public_id=public_id,
        channel=channel,
        action=action,
        perm=perm,
        object_type="dictation",
    )


# Writes ------------------------------------------------------------------------------------------


def record_write_begin(
    *,
    actor: Actor,
    patient: Patient,
    channel: Channel,
    action: Action = Action.CREATE,
    object_type: str = "record",
) -> Patient:
    """Check the actor may write in this patient's record and log the write.

    Call inside the service's transaction, so the log entry commits with the change."""
    require(actor, Perm.RECORD_WRITE)
    return access_record(
        actor=actor,
        patient_public_id=patient.public_id,
        channel=channel,
        action=action,
        perm=Perm.RECORD_WRITE,
        object_type=object_type,
    )


def record_row_for_write(*, actor: Actor, queryset: QuerySet[M], public_id: uuid.UUID | str) -> M:
    """An organisation-owned record row (with its patient) by public id, for a write, or 404
    (missing and foreign alike).

    No access-log entry here: the service that writes checks the care relation and logs the
    write in its transaction (record_write_begin)."""
    require(actor, Perm.RECORD_WRITE)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    row = (
        queryset.select_related("patient")
        .filter(public_id=key, organisation_id__in=actor.organisation_ids)
        .first()
    )
    if row is None:
        raise Http404
    return row


def contact_for_write(*, actor: Actor, public_id: uuid.UUID | str) -> Contact:
    """A contact of the actor's organisations for a write (coding it), with patient and unit;
    see record_row_for_write."""
    return record_row_for_write(
        actor=actor,
        queryset=Contact.objects.select_related("patient", "unit"),
        public_id=public_id,
    )


def dictation_for_write(*, actor: Actor, public_id: uuid.UUID | str) -> Dictation:
    """A dictation of the actor's organisations for a write, or 404 (missing and foreign
    alike); see records.access.record_row_for_write."""
    return record_row_for_write(
        actor=actor,
        queryset=Dictation.objects.select_related("patient", "author"),
        public_id=public_id,
    )
