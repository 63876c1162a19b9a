"""The MedCom screens: the messages list (in and out), a patient's messages with "new message"
and "send to own GP", one thread with its answer form and its status history, filing an
unmatched message on a patient, the Bundle as FHIR JSON, and the partner directory with its CSV
import. Thin: parse → service or selector → page."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from klinik.audit.choices import Channel
from klinik.core.errors import DomainError, form_error_add
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.correspondence.messages import fhir
from klinik.correspondence.messages.access import access_care_message
from klinik.correspondence.messages.choices import CareMessageStatus, PartnerKind
from klinik.correspondence.messages.errors import MessageCode, MessageError
from klinik.correspondence.messages.forms import (
    CareMessageForm,
    ForwardForm,
    MatchSearchForm,
    PartnerForm,
    PartnerImportForm,
    ReplyForm,
)
from klinik.correspondence.messages.selectors import (
    care_message_events,
    care_message_list,
    care_thread,
    partner_list,
    patient_care_messages,
    signed_dictations,
)
from klinik.correspondence.messages.services import (
    attachment_check,
    care_message_forward,
    care_message_match,
    care_message_reply,
    care_message_resend,
    care_message_send,
    dictation_copy_to_gp,
    gp_partner,
    partner_import_csv,
    partner_save,
)
from klinik.patients.access import access_patient
from klinik.patients.selectors import patient_search
from klinik.records.access import dictation_access

FORM_FIELDS = {
    "recipient.name": "recipient_name",
    "recipient.sor": "recipient_sor",
    "recipient.ean": "recipient_ean",
    "recipient": "partner",
}


@requires(Perm.RECORD_READ)
@require_GET
def care_message_list_view(request: ActorRequest) -> HttpResponse:
    incoming = request.GET.get("show") == "in"
    rows = care_message_list(actor=request.actor, incoming_only=incoming)
    return render(
        request, "correspondence/medcom/list.html", {"rows": rows, "incoming_only": incoming}
    )


def _partner_choices(request: ActorRequest) -> list[tuple[str, str]]:
    return [
        (str(p.public_id), f"{p.name} · SOR {p.sor}")
        for p in partner_list(actor=request.actor)
        .filter(is_active=True)
        .exclude(kind=PartnerKind.OWN)
    ]


@requires(Perm.RECORD_READ)
@require_http_methods(["GET", "POST"])
def patient_care_messages_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """A patient's messages, and the form for a new one (`?to=gp`: to the own GP)."""
    patient = access_patient(actor=request.actor, public_id=public_id, channel=Channel.UI)
    partners = _partner_choices(request)
    initial: dict[str, Any] = {}
    gp_problem = ""
    if request.GET.get("to") == "gp":
        try:
            gp = gp_partner(patient=patient)
        except MessageError as exc:
            gp_problem = exc.message
        else:
            initial = {"partner": str(gp.public_id)}
    form = CareMessageForm(
        request.POST or None, request.FILES or None, partners=partners, initial=initial
    )
    if request.method == "POST" and request.actor.can(Perm.RECORD_WRITE) and form.is_valid():
        data = form.cleaned_data
        recipient = fhir.Party(
            sor=data["recipient_sor"], ean=data["recipient_ean"], name=data["recipient_name"]
        )
        if data["partner"]:
            chosen = partner_list(actor=request.actor).filter(public_id=data["partner"]).first()
            if chosen is not None:
                recipient = fhir.Party(sor=chosen.sor, ean=chosen.ean, name=chosen.name)
        upload = data["attachment"]
        try:
            attachments = (
                (attachment_check(data=upload.read(), title="", filename=upload.name or ""),)
                if upload
                else ()
            )
            sent = care_message_send(
                actor=request.actor,
                patient=patient,
                recipient=recipient,
                category=data["category"],
                topic=data["topic"],
                text=data["text"],
                attachments=attachments,
            )
        except DomainError as exc:
            form_error_add(form, exc, FORM_FIELDS)
        else:
            if sent.status == CareMessageStatus.FAILED:
                messages.error(request, _("The message could not be sent: %s") % sent.error)
            else:
                messages.success(request, _("The message is sent to %s.") % sent.counterpart_name)
            return redirect("care_message", public_id=sent.public_id)
    return render(
        request,
        "correspondence/medcom/patient_messages.html",
        {
            "patient": patient,
            "rows": patient_care_messages(patient=patient),
            "dictations": signed_dictations(patient=patient),
            "form": form,
            "gp_problem": gp_problem,
            "can_send": request.actor.can(Perm.RECORD_WRITE),
        },
    )


def _thread_context(request: ActorRequest, message: Any) -> dict[str, Any]:
    thread = care_thread(actor=request.actor, message=message)
    return {
        "message": message,
        "thread": thread,
        "events": list(care_message_events(actor=request.actor, message=message)),
        "can_send": request.actor.can(Perm.RECORD_WRITE),
        "forward_form": ForwardForm(partners=_partner_choices(request), prefix="forward"),
        "attachments": _attachments(message),
    }


def _attachments(message: Any) -> list[fhir.Attachment]:
    try:
        parsed = fhir.message_parse(message.bundle) if message.bundle else None
    except fhir.BundleInvalid:
        return []
    return list(parsed.attachments) if isinstance(parsed, fhir.CareCommunication) else []


@requires(Perm.RECORD_READ)
@require_GET
def care_message_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """One message in its thread; an unmatched one offers the patient search."""
    message = access_care_message(actor=request.actor, public_id=public_id)
    context = _thread_context(request, message)
    context["reply_form"] = ReplyForm()
    if message.status == CareMessageStatus.UNMATCHED:
        context.update(_match_context(request, message))
    return render(request, "correspondence/medcom/message.html", context)


def _match_context(request: ActorRequest, message: Any) -> dict[str, Any]:
    """What the message says about the patient, and the search for them."""
    try:
        parsed = fhir.message_parse(message.bundle)
    except fhir.BundleInvalid:
        parsed = None
    named = (
        {"name": f"{parsed.given_name} {parsed.family_name}".strip(), "cpr": parsed.cpr}
        if isinstance(parsed, fhir.CareCommunication)
        else {}
    )
    search = MatchSearchForm(request.GET if "q" in request.GET else None)
    hits = []
    if search.is_bound and search.is_valid() and request.actor.can(Perm.PATIENT_VIEW):
        hits = patient_search(
            actor=request.actor, query=search.cleaned_data["q"], channel=Channel.UI
        )
    return {"named": named, "search": search, "hits": hits}


@requires(Perm.RECORD_WRITE)
@require_POST
def care_message_reply_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    message = access_care_message(actor=request.actor, public_id=public_id, for_update=True)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            answer = care_message_reply(
                actor=request.actor, message=message, text=form.cleaned_data["text"]
            )
        except DomainError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("The answer is sent to %s.") % answer.counterpart_name)
            return redirect("care_message", public_id=answer.public_id)
    context = _thread_context(request, message)
    context["reply_form"] = form
    return render(request, "correspondence/medcom/message.html", context, status=422)


@requires(Perm.RECORD_WRITE)
@require_POST
def care_message_forward_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """Forward a received message to a partner of the directory, with a note."""
    message = access_care_message(actor=request.actor, public_id=public_id, for_update=True)
    form = ForwardForm(request.POST, partners=_partner_choices(request), prefix="forward")
    if form.is_valid():
        chosen = partner_list(actor=request.actor).filter(public_id=form.cleaned_data["partner"])
        partner = chosen.first()
        try:
            if partner is None:
                raise MessageError(MessageCode.REQUIRED, MessageError.REQUIRED, "partner")
            sent = care_message_forward(
                actor=request.actor,
                message=message,
                recipient=fhir.Party(sor=partner.sor, ean=partner.ean, name=partner.name),
                text=form.cleaned_data["text"],
            )
        except DomainError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("The message is forwarded to %s.") % sent.counterpart_name)
            return redirect("care_message", public_id=sent.public_id)
    context = _thread_context(request, message)
    context.update({"reply_form": ReplyForm(), "forward_form": form})
    return render(request, "correspondence/medcom/message.html", context, status=422)


@requires(Perm.RECORD_WRITE)
@require_POST
def care_message_match_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    message = access_care_message(actor=request.actor, public_id=public_id, for_update=True)
    patient = access_patient(
        actor=request.actor, public_id=request.POST.get("patient", ""), channel=Channel.UI
    )
    try:
        care_message_match(actor=request.actor, message=message, patient=patient)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The message is filed on %s.") % patient.name)
    return redirect("care_message", public_id=message.public_id)


@requires(Perm.RECORD_WRITE)
@require_POST
def care_message_resend_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    message = access_care_message(actor=request.actor, public_id=public_id, for_update=True)
    care_message_resend(actor=request.actor, message=message)
    return redirect("care_message", public_id=message.public_id)


@requires(Perm.RECORD_WRITE)
@require_POST
def dictation_copy_to_gp_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """ "Kopi til egen læge" for a signed dictation: the transcript to the patient's own GP."""
    dictation = dictation_access(actor=request.actor, public_id=public_id, channel=Channel.UI)
    try:
        sent = dictation_copy_to_gp(actor=request.actor, dictation=dictation)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("patient_care_messages", public_id=dictation.patient.public_id)
    messages.success(request, _("The message is sent to %s.") % sent.counterpart_name)
    return redirect("care_message", public_id=sent.public_id)


# Attachments a browser may show (a partner's PDF or image); anything else is downloaded.
SHOWN_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


@requires(Perm.RECORD_READ)
@require_GET
def care_message_attachment_view(
    request: ActorRequest, public_id: uuid.UUID, number: int
) -> HttpResponse:
    """One attachment of the message as it came, by its number on the page (from 1): a PDF or
    an image is shown, in a sandbox (nothing in it runs), anything else is downloaded. The
    file's name is its number: a partner's title may name the patient."""
    message = access_care_message(actor=request.actor, public_id=public_id)
    attachments = _attachments(message)
    if not 1 <= number <= len(attachments):
        raise Http404
    attachment = attachments[number - 1]
    try:
        data = base64.b64decode(attachment.data_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Http404 from exc
    suffix = SHOWN_TYPES.get(attachment.content_type)
    response = HttpResponse(
        data, content_type=attachment.content_type if suffix else "application/octet-stream"
    )
    disposition = "inline" if suffix else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="bilag-{number}{suffix or ""}"'
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires(Perm.RECORD_READ)
@require_GET
def care_message_fhir_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """The Bundle exactly as sent or received."""
    message = access_care_message(actor=request.actor, public_id=public_id)
    return HttpResponse(
        json.dumps(message.bundle, ensure_ascii=False, indent=2),
        content_type="application/fhir+json; charset=utf-8",
    )


@requires(Perm.PATIENT_VIEW)
@require_http_methods(["GET", "POST"])
def partner_list_view(request: ActorRequest) -> HttpResponse:
    """The partner directory; with the setup permission: add a partner, import a CSV file."""
    can_edit = request.actor.can(Perm.CLINIC_SETUP)
    form = PartnerForm(request.POST if "save" in request.POST else None)
    upload = PartnerImportForm(
        request.POST if "import" in request.POST else None,
        request.FILES if "import" in request.POST else None,
    )
    if request.method == "POST" and can_edit:
        if form.is_bound and form.is_valid():
            try:
                partner_save(actor=request.actor, **form.cleaned_data)
            except DomainError as exc:
                form_error_add(form, exc)
            else:
                messages.success(request, _("The partner is saved."))
                return redirect("partner_list")
        elif upload.is_bound and upload.is_valid():
            raw = upload.cleaned_data["file"].read()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")
            try:
                result = partner_import_csv(actor=request.actor, text=text)
            except DomainError as exc:
                upload.add_error("file", exc.message)
            else:
                messages.success(
                    request,
                    _("Imported: %(created)d new, %(updated)d updated.")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect("partner_list")
    return render(
        request,
        "correspondence/medcom/partners.html",
        {
            "partners": partner_list(actor=request.actor),
            "form": form,
            "upload": upload,
            "can_edit": can_edit,
        },
        status=422 if request.method == "POST" else 200,
    )
