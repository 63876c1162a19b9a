"""REST endpoints of a patient's documents and of the dictation queue: multipart uploads,
logged reads, the file with byte ranges, and the queue. Parse, call a service or selector,
serialise.

Uploads are multipart. A refused file answers 413 (too large), 415 (not a kind Klinik stores:
the content is sniffed, the name and declared type are ignored) or 422 (damaged, a PDF with
JavaScript, an image bomb), with {"detail", "code", "field"}; nothing is stored. Queue
conflicts (taken by someone else, no longer open) answer 409 (records/errors.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.http import HttpResponseBase, JsonResponse
from django.utils import timezone
from ninja import Field, File, Form, Router, UploadedFile

from klinik.api.records_common import patient_of, person_name
from klinik.api.types import ApiDateTime, Out
from klinik.audit.choices import Channel
from klinik.core.http import ApiRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm, require
from klinik.records.access import dictation_access, document_access
from klinik.records.choices import DictationPriority, DictationStatus
from klinik.records.dictation.selectors import OPEN_STATUSES, dictation_queue
from klinik.records.dictation.services import dictation_create
from klinik.records.documents.services import document_upload
from klinik.records.documents.serving import document_response
from klinik.records.models import Dictation, Document

router = Router(tags=["records"])


# Documents ---------------------------------------------------------------------------------------


class DocumentOut(Out):
    id: uuid.UUID
    patient: uuid.UUID
    kind: str = Field(description="pdf, image or audio")
    title: str
    content_type: str = Field(description="from the sniffed content, never the upload's claim")
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str | None
    content_url: str = Field(description="GET: the file (Range requests answer 206)")


def document_out(row: Document) -> DocumentOut:
    return DocumentOut(
        id=row.public_id,
        patient=row.patient.public_id,
        kind=row.kind,
        title=row.title,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        uploaded_at=row.uploaded_at,
        uploaded_by=person_name(row.uploaded_by),
        content_url=f"/api/v1/documents/{row.public_id}/content",
    )


@router.post(
    "/patients/{patient_id}/documents",
    response={201: DocumentOut},
    summary="Attach a PDF, JPEG or PNG to a patient's record (multipart: file, title)",
    description="413 above the size limit (KLINIK_DOCUMENT_MAX_MB), 415 for anything that is "
    "not a PDF, JPEG or PNG by its content, 422 for a damaged file, a PDF carrying JavaScript "
    "or an image with too many pixels. Nothing is stored when refused.",
)
def documents_create(
    request: ApiRequest,
    patient_id: uuid.UUID,
    file: File[UploadedFile],
    title: Form[str] = "",
) -> tuple[int, DocumentOut] | JsonResponse:
    patient = patient_of(request, patient_id, perm=Perm.RECORD_WRITE, object_type="documents")
    row = document_upload(
        actor=request.auth, patient=patient, upload=file, title=title, channel=Channel.API
    )
    return 201, document_out(row)


@router.get(
    "/documents/{document_id}",
    response=DocumentOut,
    summary="A document's metadata (the read is logged)",
)
def documents_read(request: ApiRequest, document_id: uuid.UUID) -> DocumentOut:
    row = document_access(actor=request.auth, public_id=document_id, channel=Channel.API)
    return document_out(row)


@router.get(
    "/documents/{document_id}/content",
    summary="A document's file (logged; Range requests answer 206)",
    description="Served with its stored content type, Content-Disposition (`?download=1`: "
    "attachment), X-Content-Type-Options: nosniff and a sandboxing Content-Security-Policy.",
)
def documents_content(
    request: ApiRequest, document_id: uuid.UUID, download: bool = False
) -> HttpResponseBase:
    row = document_access(actor=request.auth, public_id=document_id, channel=Channel.API)
    return document_response(
        document=row, download=download, range_header=request.headers.get("Range", "")
    )


# Dictations --------------------------------------------------------------------------------------


class DictationOut(Out):
    id: uuid.UUID
    patient: uuid.UUID
    unit: uuid.UUID
    author: str | None = Field(description="the dictating clinician, who signs the transcript")
    priority: str = Field(description="urgent, normal or low")
    deadline: datetime
    status: str = Field(description="waiting, in_progress, for_signing, done or cancelled")
    is_overdue: bool
    instructions: str
    audio: uuid.UUID | None = Field(None, description="a document id (GET …/content streams it)")
    duration_seconds: int | None
    taken_by: str | None
    taken_at: datetime | None
    entry: uuid.UUID | None = Field(None, description="the journal entry sent for signing")
    created_at: datetime
    completed_at: datetime | None
    cancel_reason: str


class DictationDetailOut(DictationOut):
    text: str = Field(description="the typed draft, then the transcript in progress")


def dictation_out(row: Dictation, *, with_text: bool = False) -> DictationOut:
    out = DictationOut(
        id=row.public_id,
        patient=row.patient.public_id,
        unit=row.unit.public_id,
        author=person_name(row.author),
        priority=row.priority,
        deadline=row.deadline,
        status=row.status,
        is_overdue=row.status in OPEN_STATUSES and row.deadline < timezone.now(),
        instructions=row.instructions,
        audio=row.audio.public_id if row.audio is not None else None,
        duration_seconds=row.duration_seconds,
        taken_by=person_name(row.taken_by),
        taken_at=row.taken_at,
        entry=row.entry.public_id if row.entry is not None else None,
        created_at=row.created_at,
        completed_at=row.completed_at,
        cancel_reason=row.cancel_reason,
    )
    if with_text:
        return DictationDetailOut(**out.model_dump(), text=row.text)
    return out


@router.get(
    "/dictations",
    response=list[DictationOut],
    summary="The dictation queue: urgent first, then by deadline",
    description="`unit`: a unit id of your organisation (default: your unit; `all`: every "
    "unit). `status`: waiting, in_progress, for_signing, done, cancelled (default: waiting "
    "and in_progress). Ids only; GET /dictations/{id} reads one with its text (logged).",
)
def dictations_list(
    request: ApiRequest, unit: str | None = None, status: str | None = None
) -> list[DictationOut] | JsonResponse:
    actor = require(request.auth, Perm.RECORD_WRITE)
    if status and status not in DictationStatus.values:
        return JsonResponse(
            {"detail": "status: unknown status", "code": "status_unknown", "field": "status"},
            status=422,
        )
    unit_ids: list[int] | None = None
    if unit == "all":
        unit_ids = []
    elif unit:
        try:
            key = uuid.UUID(unit)
        except ValueError:
            key = None
        found = (
            list(
                Unit.objects.filter(
                    public_id=key, organisation_id__in=actor.organisation_ids
                ).values_list("pk", flat=True)
            )
            if key is not None
            else []
        )
        if not found:
            return JsonResponse(
                {"detail": "unit: unknown unit", "code": "unit_unknown", "field": "unit"},
                status=422,
            )
        unit_ids = found
    rows = dictation_queue(
        actor=actor,
        unit_ids=unit_ids,
        statuses=[status] if status else None,
        channel=Channel.API,
    )
    return [dictation_out(row) for row in rows]


@router.get(
    "/dictations/{dictation_id}",
    response=DictationDetailOut,
    summary="One dictation with its draft or transcript (the read is logged)",
)
def dictations_read(request: ApiRequest, dictation_id: uuid.UUID) -> DictationOut:
    row = dictation_access(actor=request.auth, public_id=dictation_id, channel=Channel.API)
    return dictation_out(row, with_text=True)


@router.post(
    "/patients/{patient_id}/dictations",
    response={201: DictationDetailOut},
    summary="Dictate for a patient (multipart: audio and/or text, priority, deadline, …)",
    description="For clinicians who sign entries. `audio`: WAV, MP3, Ogg/Opus, M4A/AAC or "
    "WebM (content-checked like documents; KLINIK_AUDIO_MAX_MB); `text`: a typed draft; at "
    "least one of them. `priority`: urgent, normal (default) or low; `deadline` defaults to "
    "4 hours, 2 or 5 working days.",
)
def dictations_create(
    request: ApiRequest,
    patient_id: uuid.UUID,
    audio: File[UploadedFile] = None,  # type: ignore[assignment]  # optional (ninja idiom)
    text: Form[str] = "",
    priority: Form[str] = DictationPriority.NORMAL,
    deadline: Form[ApiDateTime | None] = None,
    instructions: Form[str] = "",
) -> tuple[int, DictationOut] | JsonResponse:
    actor = require(request.auth, Perm.RECORD_SIGN)
    patient = patient_of(request, patient_id, perm=Perm.RECORD_WRITE, object_type="dictation")
    row = dictation_create(
        actor=actor,
        patient=patient,
        audio=audio,
        text=text,
        priority=priority,
        deadline=deadline,
        instructions=instructions,
        channel=Channel.API,
    )
    return 201, dictation_out(row, with_text=True)
