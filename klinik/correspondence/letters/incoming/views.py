"""The incoming letters screen ("Indgående breve"): register a letter or scan (the file, who
sent it, when, the CPR number if it gives one), the list with those waiting first, and one
letter: its file, the patient search when it has no patient, and filing it in the record.
Thin: parse → selector or service → page."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from klinik.audit.choices import Channel
from klinik.core.errors import DomainError, form_error_add
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, require, requires
from klinik.correspondence.letters.choices import IncomingStatus
from klinik.correspondence.letters.incoming.access import access_incoming_letter
from klinik.correspondence.letters.incoming.forms import IncomingFileForm, IncomingRegisterForm
from klinik.correspondence.letters.incoming.selectors import incoming_letter_list
from klinik.correspondence.letters.incoming.services import (
    incoming_letter_file,
    incoming_letter_match,
    incoming_letter_register,
)
from klinik.correspondence.messages.forms import MatchSearchForm
from klinik.correspondence.models import IncomingLetter
from klinik.patients.access import access_patient
from klinik.patients.selectors import patient_search
from klinik.records.documents.serving import document_response
from klinik.records.documents.uploads import (
    DOCUMENT_KINDS,
    upload_limit_install,
    upload_too_large_error,
)
from klinik.records.models import Document


def _list_page(
    request: ActorRequest, form: IncomingRegisterForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "correspondence/letters/incoming_list.html",
        {
            "form": form,
            "letters": incoming_letter_list(actor=request.actor),
            "can_write": request.actor.can(Perm.RECORD_WRITE),
        },
        status=status,
    )


@csrf_exempt  # checked below, after the upload limit is in place (it must precede reading)
@requires(Perm.RECORD_READ)
@require_http_methods(["GET", "POST"])
def incoming_letters_view(request: ActorRequest) -> HttpResponseBase:
    if request.method == "POST":
        require(request.actor, Perm.RECORD_WRITE)
        upload_limit_install(request, kinds=DOCUMENT_KINDS)
    return _incoming_letters(request)


@csrf_protect
def _incoming_letters(request: ActorRequest) -> HttpResponseBase:
    if request.method != "POST":
        return _list_page(
            request, IncomingRegisterForm(initial={"received_on": timezone.localdate()})
        )
    form = IncomingRegisterForm(request.POST, request.FILES)
    if getattr(request, "upload_too_large", False):
        form.is_valid()
        form_error_add(form, upload_too_large_error(kinds=DOCUMENT_KINDS, field="file"))
        return _list_page(request, form, status=422)
    if not form.is_valid():
        return _list_page(request, form, status=422)
    data = form.cleaned_data
    try:
        letter = incoming_letter_register(
            actor=request.actor,
            upload=data["file"],
            sender=data["sender"],
            title=data["title"],
            received_on=data["received_on"],
            cpr=data["cpr"],
            note=data["note"],
        )
    except DomainError as exc:
        form_error_add(form, exc)
        return _list_page(request, form, status=422)
    if letter.patient is not None:
        messages.success(request, _("The letter is registered on %s.") % letter.patient.name)
    else:
        messages.success(request, _("The letter is registered; find its patient."))
    return redirect("incoming_letter", public_id=letter.public_id)


def _detail(
    request: ActorRequest, letter: IncomingLetter, file_form: IncomingFileForm, status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {
        "letter": letter,
        "file_form": file_form,
        "can_write": request.actor.can(Perm.RECORD_WRITE),
    }
    if letter.status == IncomingStatus.UNMATCHED:
        search = MatchSearchForm(request.GET if "q" in request.GET else None)
        hits = []
        if search.is_bound and search.is_valid() and request.actor.can(Perm.PATIENT_VIEW):
            hits = patient_search(
                actor=request.actor, query=search.cleaned_data["q"], channel=Channel.UI
            )
        context.update({"search": search, "hits": hits})
    return render(request, "correspondence/letters/incoming.html", context, status=status)


@requires(Perm.RECORD_READ)
@require_GET
def incoming_letter_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    letter = access_incoming_letter(actor=request.actor, public_id=public_id)
    return _detail(request, letter, IncomingFileForm(initial={"note": letter.note}))


@requires(Perm.RECORD_READ)
@require_GET
def incoming_letter_content_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponseBase:
    """The registered file as the records app serves documents (sandboxed, nosniff); once
    filed, the record's document."""
    letter = access_incoming_letter(actor=request.actor, public_id=public_id)
    if letter.document is not None:
        return redirect("document_content", document_id=letter.document.public_id)
    stored = Document(
        title=letter.title,
        content_type=letter.content_type,
        sha256=letter.sha256,
        storage_key=letter.storage_key,
    )
    return document_response(document=stored)


@requires(Perm.RECORD_WRITE)
@require_POST
def incoming_letter_match_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    letter = access_incoming_letter(actor=request.actor, public_id=public_id, for_update=True)
    patient = access_patient(
        actor=request.actor, public_id=request.POST.get("patient", ""), channel=Channel.UI
    )
    try:
        incoming_letter_match(actor=request.actor, letter=letter, patient=patient)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The letter is matched to %s.") % patient.name)
    return redirect("incoming_letter", public_id=letter.public_id)


@requires(Perm.RECORD_WRITE)
@require_POST
def incoming_letter_file_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    letter = access_incoming_letter(actor=request.actor, public_id=public_id, for_update=True)
    form = IncomingFileForm(request.POST)
    if form.is_valid():
        try:
            incoming_letter_file(actor=request.actor, letter=letter, note=form.cleaned_data["note"])
        except DomainError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("The letter is filed in the record."))
            return redirect("incoming_letter", public_id=letter.public_id)
    return _detail(request, letter, form, status=422)
