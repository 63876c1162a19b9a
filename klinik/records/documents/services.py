"""Writes of the documents tab: a checked upload stored and added to the patient's record.
The checks are in uploads.py, the files in storage.py."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import IO

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from klinik.audit.choices import Channel
from klinik.core.policy import Actor
from klinik.patients.models import Patient
from klinik.records.access import record_write_begin
from klinik.records.documents.storage import file_write, files_removed_on_failure
from klinik.records.documents.uploads import DOCUMENT_KINDS, CheckedUpload, upload_check
from klinik.records.errors import RecordCode, RecordError
from klinik.records.models import Contact, Document

FILE_CHANGED = _("The file changed while it was being saved. Upload it again.")
TITLE_FALLBACK = _("Document")

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def title_clean(title: str, filename: str = "") -> str:
    """The title shown for a document: what the user wrote, else the uploaded name without
    folders and extension; control and formatting characters removed, at most 200."""
    text = (title or "").strip()
    if not text and filename:
        name = filename.replace("\\", "/").rsplit("/", 1)[-1]
        text = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    text = _CONTROL.sub(" ", text)  # tabs, newlines and other control characters
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    text = " ".join(text.split())
    return text[:200] or str(TITLE_FALLBACK)


def document_create(
    *,
    actor: Actor,
    patient: Patient,
    upload: IO[bytes],
    checked: CheckedUpload,
    title: str,
    written: list[Path],
    contact: Contact | None = None,
) -> Document:
    """Store a checked upload and add its row. A step of the caller's transaction (inside
    `files_removed_on_failure`, whose list `written` gets the file)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("document_create must run inside the caller's transaction")
    if contact is not None and contact.patient_id != patient.pk:
        raise RecordError(
            _("The contact belongs to another patient."), code=RecordCode.CONTACT_PATIENT
        )
    organisation_key = str(patient.organisation.public_id)
    storage_key, sha256, size, path = file_write(organisation_key=organisation_key, upload=upload)
    written.append(path)
    if size != checked.size:  # the upload changed under us
        raise RecordError(FILE_CHANGED, code=RecordCode.FILE_CHANGED, field="file")
    return Document.objects.create(
        organisation_id=patient.organisation_id,
        patient=patient,
        kind=checked.kind,
        title=title,
        content_type=checked.content_type,
        size=size,
        sha256=sha256,
        storage_key=storage_key,
        uploaded_by=actor.user,
        contact=contact,
    )


def document_upload(
    *,
    actor: Actor,
    patient: Patient,
    upload: IO[bytes] | None,
    title: str = "",
    contact: Contact | None = None,
    kinds: frozenset[str] = DOCUMENT_KINDS,
    channel: Channel = Channel.UI,
) -> Document:
    """Attach a PDF or image to the patient's record (checked, stored, logged). A refused or
    failed upload leaves no file and no row."""
    checked = upload_check(upload=upload, kinds=kinds, field="file")
    assert upload is not None  # upload_check refuses None
    with files_removed_on_failure() as written, transaction.atomic(durable=True):
        patient = record_write_begin(
            actor=actor, patient=patient, channel=channel, object_type="document"
        )
        return document_create(
            actor=actor,
            patient=patient,
            upload=upload,
            checked=checked,
            title=title_clean(title, getattr(upload, "name", "") or ""),
            written=written,
            contact=contact,
        )
