"""The documents tab (list, upload) and the one view that serves a stored file.

Thin: parse → records.access / documents service → page or file. Every read is logged by the
record's door; the upload stops reading an oversized file before it reaches the disk.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from klinik.audit.choices import Channel
from klinik.core.errors import form_error_add
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, require, requires
from klinik.patients.models import Patient
from klinik.patients.views import break_glass_on_refusal
from klinik.records.access import document_access
from klinik.records.dictation.selectors import dictations_of_patient
from klinik.records.documents.forms import DocumentUploadForm
from klinik.records.documents.selectors import documents_of_patient
from klinik.records.documents.services import document_upload
from klinik.records.documents.serving import document_response
from klinik.records.documents.uploads import (
    DOCUMENT_KINDS,
    upload_limit_install,
    upload_too_large_error,
)
from klinik.records.errors import RecordError
from klinik.records.header import record_frame, record_patient


def _documents_page(
    request: ActorRequest, patient: Patient, form: DocumentUploadForm, status: int = 200
) -> HttpResponse:
    context = record_frame(
        request,
        patient,
        "documents",
        form=form,
        documents=documents_of_patient(patient=patient),
        dictations=dictations_of_patient(patient=patient),
        document_limit_mb=settings.KLINIK_DOCUMENT_MAX_MB,
    )
    return render(request, "records/documents.html", context, status=status)


@requires(Perm.RECORD_READ)
@csrf_exempt  # checked below, after the upload limit is in place (it must precede reading)
@require_http_methods(["GET", "POST"])
def record_documents_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponseBase:
    if request.method == "POST":
        require(request.actor, Perm.RECORD_WRITE)
        upload_limit_install(request, kinds=DOCUMENT_KINDS)
    return _record_documents(request, public_id)


@csrf_protect
@break_glass_on_refusal
def _record_documents(request: ActorRequest, public_id: uuid.UUID) -> HttpResponseBase:
    """The patient's documents and dictations; POST uploads a PDF or image."""
    actor = request.actor
    if request.method != "POST":
        patient = record_patient(request, public_id, object_type="documents")
        return _documents_page(request, patient, DocumentUploadForm())
    form = DocumentUploadForm(request.POST, request.FILES)
    patient = record_patient(request, public_id, object_type="documents")
    if getattr(request, "upload_too_large", False):
        form.is_valid()
        form_error_add(form, upload_too_large_error(kinds=DOCUMENT_KINDS, field="file"))
        return _documents_page(request, patient, form, status=422)
    if not form.is_valid():
        return _documents_page(request, patient, form, status=422)
    try:
        document = document_upload(
            actor=actor,
            patient=patient,
            upload=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
            channel=Channel.UI,
        )
    except RecordError as exc:
        form_error_add(form, exc)
        return _documents_page(request, patient, form, status=422)
    messages.success(request, _("“%(title)s” was added to the record.") % {"title": document.title})
    return redirect("record_documents", public_id=patient.public_id)


@requires(Perm.RECORD_READ)
@require_http_methods(["GET", "HEAD"])
@break_glass_on_refusal
def document_content_view(request: ActorRequest, document_id: uuid.UUID) -> HttpResponseBase:
    """The stored file, logged: inline (PDF, image, audio with byte ranges for seeking) or,
    with ?download=1, as an attachment."""
    document = document_access(actor=request.actor, public_id=document_id, channel=Channel.UI)
    return document_response(
        document=document,
        download=request.GET.get("download") == "1",
        range_header=request.headers.get("Range", ""),
    )
