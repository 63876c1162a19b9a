"""The dictation queue's screens: a clinician dictates for a patient (upload, record in the
browser, or type), secretaries see the queue and turnaround, take an item and transcribe it
beside the player, then send it for signing.

Thin: parse → records.access (the dictation's door) / selectors / services → page, htmx partial
or redirect.
"""

from __future__ import annotations

import uuid
from typing import Any

from csp.decorators import csp_update
from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from klinik.audit.choices import Channel
from klinik.core.errors import form_error_add
from klinik.core.http import ActorRequest
from klinik.core.models import Unit, User
from klinik.core.policy import Actor, Perm, require, requires
from klinik.patients.views import break_glass_on_refusal
from klinik.records.access import dictation_access, dictation_for_write
from klinik.records.choices import DictationStatus
from klinik.records.dictation.forms import (
    DictationCancelForm,
    DictationFilterForm,
    DictationForm,
    DictationTextForm,
)
from klinik.records.dictation.selectors import (
    OPEN_STATUSES,
    dictation_authors,
    dictation_queue,
    dictation_turnaround,
)
from klinik.records.dictation.services import (
    dictation_cancel,
    dictation_create,
    dictation_release,
    dictation_send_for_signing,
    dictation_take,
    dictation_text_save,
    instructions_with_copy,
)
from klinik.records.documents.uploads import (
    AUDIO_KINDS,
    upload_limit_install,
    upload_too_large_error,
)
from klinik.records.errors import RecordError
from klinik.records.header import record_frame, record_header_context, record_patient
from klinik.records.models import Dictation

# Clinicians record in the browser: the preview plays the recording from a blob: URL.
_RECORDER_CSP = {"media-src": ["'self'", "blob:"]}


# Dictating ---------------------------------------------------------------------------------------


@requires(Perm.RECORD_SIGN)
@csrf_exempt  # checked below, after the upload limit is in place (it must precede reading)
@require_http_methods(["GET", "POST"])
def dictation_create_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponseBase:
    if request.method == "POST":
        upload_limit_install(request, kinds=AUDIO_KINDS)
    # django-csp types a decorated view as taking the request alone.
    return _dictation_create(request, public_id)  # type: ignore[call-arg]


@csp_update(_RECORDER_CSP)
@csrf_protect
@break_glass_on_refusal
def _dictation_create(request: ActorRequest, public_id: uuid.UUID) -> HttpResponseBase:
    """A new dictation for the patient: upload or record audio, or type a draft."""
    actor = request.actor
    patient = record_patient(request, public_id, object_type="dictation")
    form = DictationForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 422
        if getattr(request, "upload_too_large", False):
            form.is_valid()
            form_error_add(form, upload_too_large_error(kinds=AUDIO_KINDS, field="audio"))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                dictation_create(
                    actor=actor,
                    patient=patient,
                    audio=data["audio"],
                    text=data["text"],
                    priority=data["priority"],
                    deadline=data["deadline"],
                    instructions=instructions_with_copy(
                        data["instructions"], copy_to_gp=data["copy_to_gp"]
                    ),
                    duration_seconds=data["duration"],
                    channel=Channel.UI,
                )
            except RecordError as exc:
                form_error_add(form, exc)
            else:
                messages.success(request, _("The dictation is in the secretaries' queue."))
                return redirect("record_documents", public_id=patient.public_id)
    context = record_frame(request, patient, "documents", form=form)
    return render(request, "records/dictation_new.html", context, status=status)


# The queue ---------------------------------------------------------------------------------------


def _queue_filters(
    actor: Actor, form: DictationFilterForm
) -> tuple[list[int] | None, int | None, list[str] | None]:
    """unit ids (None: the actor's unit; []: every unit), author id, statuses."""
    if not form.is_bound or not form.is_valid():
        return None, None, None
    data = form.cleaned_data
    unit_ids: list[int] | None = None
    if data["unit"] == DictationFilterForm.ALL:
        unit_ids = []
    elif data["unit"]:
        unit_ids = list(
            Unit.objects.filter(
                public_id=data["unit"], organisation_id__in=actor.organisation_ids
            ).values_list("pk", flat=True)
        ) or [0]
    author_id = None
    if data["author"] == DictationFilterForm.ME:
        author_id = actor.user.pk
    elif data["author"]:
        author_id = (
            User.objects.filter(public_id=data["author"]).values_list("pk", flat=True).first()
        ) or 0
    statuses = [data["status"]] if data["status"] else None
    return unit_ids, author_id, statuses


@requires(Perm.RECORD_WRITE)
@require_GET
def dictation_queue_view(request: ActorRequest) -> HttpResponse:
    """The unit's queue: urgent first, then by deadline; overdue items marked; the units'
    turnaround over the last 30 days. Filters: unit, author, status."""
    actor = request.actor
    organisation_id = actor.organisation.pk if actor.organisation else None
    units = (
        list(Unit.objects.filter(organisation_id=organisation_id).order_by("name"))
        if organisation_id is not None
        else []
    )
    authors = dictation_authors(organisation_id=organisation_id) if organisation_id else []
    form = DictationFilterForm(request.GET or None, units=units, authors=authors)
    unit_ids, author_id, statuses = _queue_filters(actor, form)
    rows = dictation_queue(actor=actor, unit_ids=unit_ids, author_id=author_id, statuses=statuses)
    context = {
        "form": form,
        "rows": rows,
        "now": timezone.now(),
        "turnaround": (
            dictation_turnaround(organisation_id=organisation_id) if organisation_id else []
        ),
    }
    if request.htmx and not request.headers.get("HX-History-Restore-Request"):
        return render(request, "records/partials/_dictation_rows.html", context)
    return render(request, "records/dictation_queue.html", context)


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def dictation_take_view(request: ActorRequest, dictation_id: uuid.UUID) -> HttpResponse:
    dictation = dictation_for_write(actor=request.actor, public_id=dictation_id)
    try:
        dictation_take(actor=request.actor, dictation=dictation, channel=Channel.UI)
    except RecordError as exc:
        messages.error(request, exc.message)
        return redirect("dictation_queue")
    return redirect("dictation_work", dictation_id=dictation.public_id)


# Transcribing ------------------------------------------------------------------------------------


def _work_page(
    request: ActorRequest,
    dictation: Dictation,
    *,
    text_form: DictationTextForm | None = None,
    cancel_form: DictationCancelForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.actor
    mine = (
        dictation.status == DictationStatus.IN_PROGRESS and dictation.taken_by_id == actor.user.pk
    )
    context = {
        **record_header_context(actor=actor, patient=dictation.patient),
        "dictation": dictation,
        "is_mine": mine,
        "is_open": dictation.status in OPEN_STATUSES,
        "is_overdue": dictation.status in OPEN_STATUSES and dictation.deadline < timezone.now(),
        "is_author": dictation.author_id == actor.user.pk,
        "text_form": text_form or DictationTextForm(initial={"text": dictation.text}),
        "cancel_form": cancel_form or DictationCancelForm(),
    }
    return render(request, "records/dictation_work.html", context, status=status)


@requires(Perm.RECORD_WRITE)
@require_GET
@break_glass_on_refusal
def dictation_work_view(request: ActorRequest, dictation_id: uuid.UUID) -> HttpResponse:
    """The work screen: the player beside the editor (keyboard: F4/Ctrl+Space play, F3/Ctrl+←
    back 3 s, F5/Ctrl+→ forward, Ctrl+↑/↓ speed), the transcript autosaved."""
    dictation = dictation_access(actor=request.actor, public_id=dictation_id, channel=Channel.UI)
    return _work_page(request, dictation)


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def dictation_text_view(request: ActorRequest, dictation_id: uuid.UUID) -> HttpResponse:
    """Autosave (htmx): the status line, or the refusal with 409/422."""
    dictation = dictation_for_write(actor=request.actor, public_id=dictation_id)
    form = DictationTextForm(request.POST)
    form.is_valid()
    context: dict[str, Any] = {"saved_at": None, "error": ""}
    try:
        dictation_text_save(
            actor=request.actor,
            dictation=dictation,
            text=form.cleaned_data.get("text", ""),
            channel=Channel.UI,
        )
    except RecordError as exc:
        context["error"] = exc.message
        return render(request, "records/partials/_dictation_status.html", context, status=422)
    context["saved_at"] = timezone.now()
    return render(request, "records/partials/_dictation_status.html", context)


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def dictation_send_view(request: ActorRequest, dictation_id: uuid.UUID) -> HttpResponse:
    """ "Send til godkendelse": the transcript becomes an unapproved dictation entry for the
    dictating clinician to sign."""
    dictation = dictation_for_write(actor=request.actor, public_id=dictation_id)
    form = DictationTextForm(request.POST)
    form.is_valid()
    try:
        entry = dictation_send_for_signing(
            actor=request.actor,
            dictation=dictation,
            text=form.cleaned_data.get("text", ""),
            channel=Channel.UI,
        )
    except RecordError as exc:
        form_error_add(form, exc)
        fresh = dictation_access(actor=request.actor, public_id=dictation_id, channel=Channel.UI)
        return _work_page(request, fresh, text_form=form, status=422)
    if entry.needs_signature:
        messages.success(request, _("The transcript was sent to the clinician for approval."))
    else:
        messages.success(request, _("The transcript was saved to the record and approved."))
    return redirect("dictation_queue")


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def dictation_release_view(request: ActorRequest, dictation_id: uuid.UUID) -> HttpResponse:
    """Put the item back in the queue, keeping the transcript so far."""
    dictation = dictation_for_write(actor=request.actor, public_id=dictation_id)
    text = request.POST.get("text")
    try:
        dictation_release(actor=request.actor, dictation=dictation, text=text, channel=Channel.UI)
    except RecordError as exc:
        messages.error(request, exc.message)
        return redirect("dictation_work", dictation_id=dictation.public_id)
    messages.success(request, _("The dictation is back in the queue."))
    return redirect("dictation_queue")


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def dictation_cancel_view(request: ActorRequest, dictation_id: uuid.UUID) -> HttpResponse:
    """The dictating clinician withdraws the item, giving a reason."""
    require(request.actor, Perm.RECORD_SIGN)
    dictation = dictation_for_write(actor=request.actor, public_id=dictation_id)
    form = DictationCancelForm(request.POST)
    if form.is_valid():
        try:
            dictation_cancel(
                actor=request.actor,
                dictation=dictation,
                reason=form.cleaned_data["reason"],
                channel=Channel.UI,
            )
        except RecordError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("The dictation was cancelled."))
            return redirect(
                reverse("dictation_queue") + "?author=me&status=" + DictationStatus.CANCELLED
            )
    fresh = dictation_access(actor=request.actor, public_id=dictation_id, channel=Channel.UI)
    return _work_page(request, fresh, cancel_form=form, status=422)
