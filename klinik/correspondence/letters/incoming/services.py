"""Incoming letters and scans: registered (the PDF or image checked and stored as the records
app stores documents, ADR 0009), matched to a patient (by the CPR number given, or by a
secretary later), and filed in the record — an "Indgående brev" journal entry with the file as
its document. Until filed, each waits in the work queue (work.py)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.errors import DomainError
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.letters.choices import IncomingStatus
from klinik.correspondence.models import IncomingLetter
from klinik.patients.models import Patient
from klinik.records.choices import EntryType
from klinik.records.documents.services import document_create, title_clean
from klinik.records.documents.storage import documents_root, file_write, files_removed_on_failure
from klinik.records.documents.uploads import DOCUMENT_KINDS, upload_check
from klinik.records.journal.services import EntryDraft, journal_entry_create

ENTRY_TITLE = "Indgående brev: %(title)s"


class IncomingCode(StrEnum):
    REQUIRED = "required"
    FUTURE = "future"
    NOT_WAITING = "not_waiting"
    OTHER_ORGANISATION = "other_organisation"


class IncomingError(DomainError):
    REQUIRED = _("This field is required.")
    FUTURE = _("The day received cannot be in the future.")
    NOT_MATCHABLE = _("The letter is matched to a patient already.")
    NOT_FILABLE = _("Find the patient first; a filed letter cannot be filed again.")
    OTHER_ORGANISATION = _("The patient belongs to another organisation.")

    def __init__(self, code: IncomingCode, message: object, field: str = "") -> None:
        super().__init__(code, message, field)


def _patient_by_cpr(organisation_id: int, cpr: str) -> Patient | None:
    digits = "".join(ch for ch in cpr if ch.isdigit())
    if len(digits) != 10:
        return None
    return (
        Patient.objects.filter(
            organisation_id=organisation_id, cpr=digits, merged_into__isnull=True
        )
        .select_related("unit")
        .first()
    )


def _log(actor: Actor, letter: IncomingLetter, action: Action, channel: Channel) -> None:
    access_log_record(
        actor=actor,
        action=action,
        purpose=Purpose.TREATMENT,
        channel=channel,
        object_type="incoming_letter",
        object_id=letter.public_id,
        patient_id=letter.patient.public_id if letter.patient else None,
        organisation_id=letter.organisation_id,
    )


def incoming_letter_register(
    *,
    actor: Actor,
    upload: IO[bytes] | None,
    sender: str,
    title: str,
    received_on: date,
    cpr: str = "",
    note: str = "",
    channel: Channel = Channel.UI,
) -> IncomingLetter:
    """Register a letter or scan: the file checked (PDF, JPEG or PNG; the document size limit)
    and stored, matched to a patient when the CPR number given finds one, else waiting for a
    secretary to find the patient. A refused file leaves no row and no file."""
    require(actor, Perm.RECORD_WRITE)
    organisation = actor.organisation
    if organisation is None:
        raise IncomingError(IncomingCode.REQUIRED, IncomingError.REQUIRED)
    for field, value in (("sender", sender), ("title", title)):
        if not value.strip():
            raise IncomingError(IncomingCode.REQUIRED, IncomingError.REQUIRED, field)
    if received_on > timezone.localdate():
        raise IncomingError(IncomingCode.FUTURE, IncomingError.FUTURE, "received_on")
    checked = upload_check(upload=upload, kinds=DOCUMENT_KINDS, field="file")
    assert upload is not None  # upload_check refuses None
    patient = _patient_by_cpr(organisation.pk, cpr) if cpr.strip() else None
    with files_removed_on_failure() as written, transaction.atomic(durable=True):
        storage_key, sha256, size, path = file_write(
            organisation_key=str(organisation.public_id), upload=upload
        )
        written.append(path)
        letter = IncomingLetter.objects.create(
            organisation=organisation,
            unit=(patient.unit if patient else None) or actor.unit,
            patient=patient,
            status=IncomingStatus.TO_FILE if patient else IncomingStatus.UNMATCHED,
            sender=sender.strip()[:200],
            title=title_clean(title),
            received_on=received_on,
            note=note.replace("\r\n", "\n").strip(),
            content_type=checked.content_type,
            size=size,
            sha256=sha256,
            storage_key=storage_key,
            registered_by=actor.user,
            registered_at=timezone.now(),
        )
        _log(actor, letter, Action.CREATE, channel)
    return letter


def incoming_letter_match(
    *, actor: Actor, letter: IncomingLetter, patient: Patient, channel: Channel = Channel.UI
) -> IncomingLetter:
    """Match a waiting letter to the patient the secretary found (read through the patient
    door by the caller); it then waits to be filed."""
    require(actor, Perm.RECORD_WRITE)
    with transaction.atomic(durable=True):
        locked = IncomingLetter.objects.select_for_update().get(pk=letter.pk)
        if locked.status != IncomingStatus.UNMATCHED:
            raise IncomingError(IncomingCode.NOT_WAITING, IncomingError.NOT_MATCHABLE)
        if patient.organisation_id != locked.organisation_id:
            raise IncomingError(
                IncomingCode.OTHER_ORGANISATION, IncomingError.OTHER_ORGANISATION, "patient"
            )
        locked.patient = patient
        locked.unit = patient.unit or locked.unit
        locked.status = IncomingStatus.TO_FILE
        locked.save(update_fields=["patient", "unit", "status"])
        _log(actor, locked, Action.UPDATE, channel)
    return locked


def incoming_letter_file(
    *, actor: Actor, letter: IncomingLetter, note: str = "", channel: Channel = Channel.UI
) -> IncomingLetter:
    """File a matched letter in its patient's record: an "Indgående brev" journal entry (who
    sent it, when, the note) and the file as a record document, both by the records app's
    services (which check the care relation and log the write). It leaves the work queue."""
    require(actor, Perm.RECORD_WRITE)
    with files_removed_on_failure() as written, transaction.atomic(durable=True):
        locked = (
            IncomingLetter.objects.select_for_update(of=("self",))
            .select_related("patient__organisation")
            .get(pk=letter.pk)
        )
        if locked.status != IncomingStatus.TO_FILE or locked.patient is None:
            raise IncomingError(IncomingCode.NOT_WAITING, IncomingError.NOT_FILABLE)
        patient = locked.patient
        note = note.replace("\r\n", "\n").strip() or locked.note
        received = locked.received_on.strftime("%d.%m.%Y")
        entry = journal_entry_create(
            actor=actor,
            patient=patient,
            draft=EntryDraft(
                entry_type=EntryType.LETTER_IN,
                title=(ENTRY_TITLE % {"title": locked.title})[:200],
                text=f"Fra {locked.sender}, modtaget {received}." + (f"\n\n{note}" if note else ""),
            ),
            channel=channel,
        )
        path = documents_root() / locked.storage_key
        with path.open("rb") as stored:
            checked = upload_check(upload=stored, kinds=DOCUMENT_KINDS, field="file")
            document = document_create(
                actor=actor,
                patient=patient,
                upload=stored,
                checked=checked,
                title=title_clean(ENTRY_TITLE % {"title": locked.title}),
                written=written,
            )
        locked.entry, locked.document = entry, document
        locked.status = IncomingStatus.FILED
        locked.filed_at = timezone.now()
        locked.note = note
        locked.save(update_fields=["entry", "document", "status", "filed_at", "note"])
        # The registration's copy goes once the record's is committed.
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return locked
