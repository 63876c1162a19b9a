"""The letter screens ("Breve"): a patient's letters and writing one from a template (the
merge fields filled into an editor, a preview of the text, then the PDF), one letter with its
PDF, its send buttons (print, e-mail, Digital Post) and status history; the templates (setup).
Thin: parse → service or selector → page."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from klinik.audit.choices import Channel
from klinik.core.errors import DomainError, form_error_add
from klinik.core.http import ActorRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm, requires
from klinik.correspondence.letters.access import access_letter
from klinik.correspondence.letters.choices import LetterChannel, LetterStatus
from klinik.correspondence.letters.forms import LetterForm, LetterSendForm, LetterTemplateForm
from klinik.correspondence.letters.merge import FIELDS, MergeProblem
from klinik.correspondence.letters.selectors import (
    letter_events,
    letter_template_list,
    letter_templates_for,
    patient_letters,
)
from klinik.correspondence.letters.services import (
    letter_draft,
    letter_from_dictation,
    letter_render,
    letter_send,
    letter_template_save,
    letter_write,
)
from klinik.patients.access import access_patient
from klinik.records.access import dictation_access


@requires(Perm.RECORD_READ)
@require_http_methods(["GET", "POST"])
def patient_letters_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """The patient's letters; `?template=`: a new letter from it in the editor. POST with
    `preview` shows the letter as it will stand (merge fields filled), with `preview_pdf` its
    PDF (nothing stored), with `save` writes the letter."""
    patient = access_patient(actor=request.actor, public_id=public_id, channel=Channel.UI)
    templates = list(letter_templates_for(actor=request.actor, unit_id=patient.unit_id))
    chosen_key = request.POST.get("template") or request.GET.get("template") or ""
    template = next((t for t in templates if str(t.public_id) == chosen_key), None)
    initial = {}
    if request.method == "GET" and template is not None:
        try:
            subject, body = letter_draft(actor=request.actor, patient=patient, template=template)
        except MergeProblem:
            subject, body = template.subject, template.body
        initial = {"subject": subject, "body": body}
    form = LetterForm(request.POST or None, initial=initial)
    preview = None
    can_write = request.actor.can(Perm.RECORD_WRITE)
    if request.method == "POST" and can_write and form.is_valid():
        subject, body = form.cleaned_data["subject"], form.cleaned_data["body"]
        if "save" in request.POST:
            try:
                letter = letter_write(
                    actor=request.actor,
                    patient=patient,
                    subject=subject,
                    body=body,
                    template=template,
                )
            except DomainError as exc:
                form_error_add(form, exc)
            else:
                messages.success(request, _("The letter is written. Send it, or print it."))
                return redirect("letter_detail", public_id=letter.public_id)
        else:
            try:
                preview = letter_render(
                    actor=request.actor,
                    patient=patient,
                    subject=subject,
                    body=body,
                    template=template,
                )
            except DomainError as exc:
                form_error_add(form, exc)
            else:
                if "preview_pdf" in request.POST:
                    return _pdf_response(preview.pdf, "forhaandsvisning.pdf")
    editing = template is not None or request.GET.get("new") == "1" or request.method == "POST"
    return render(
        request,
        "correspondence/letters/patient_letters.html",
        {
            "patient": patient,
            "letters": patient_letters(patient=patient),
            "templates": templates,
            "template": template,
            "form": form,
            "editing": editing and can_write,
            "preview": preview,
            "fields": FIELDS,
        },
        status=422 if request.method == "POST" and form.errors else 200,
    )


@requires(Perm.RECORD_READ)
@require_GET
def letter_detail_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    letter = access_letter(actor=request.actor, public_id=public_id)
    return render(
        request,
        "correspondence/letters/letter.html",
        {
            "letter": letter,
            "events": list(letter_events(actor=request.actor, letter=letter)),
            "send_form": LetterSendForm(initial={"channel": LetterChannel.DIGITAL_POST}),
            "can_send": request.actor.can(Perm.RECORD_WRITE)
            and letter.status in (LetterStatus.READY, LetterStatus.FAILED),
        },
    )


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires(Perm.RECORD_READ)
@require_GET
def letter_pdf_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    letter = access_letter(actor=request.actor, public_id=public_id)
    return _pdf_response(bytes(letter.pdf), f"brev-{letter.public_id}.pdf")


@requires(Perm.RECORD_WRITE)
@require_POST
def letter_send_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    letter = access_letter(actor=request.actor, public_id=public_id, for_update=True)
    form = LetterSendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how to send the letter."))
        return redirect("letter_detail", public_id=letter.public_id)
    try:
        sent = letter_send(actor=request.actor, letter=letter, channel=form.cleaned_data["channel"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if sent.status == LetterStatus.FAILED:
            messages.error(request, _("The letter could not be sent: %s") % sent.error)
        else:
            messages.success(request, _("The letter is sent by %s.") % sent.get_channel_display())
    return redirect("letter_detail", public_id=letter.public_id)


@requires(Perm.RECORD_WRITE)
@require_POST
def dictation_letter_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """An epikrise letter from a signed dictation (the dictation screen's Alt+Shift+L); its page
    opens with the send button focused."""
    dictation = dictation_access(actor=request.actor, public_id=public_id, channel=Channel.UI)
    try:
        letter = letter_from_dictation(actor=request.actor, dictation=dictation)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("dictation_work", dictation_id=dictation.public_id)
    messages.success(request, _("The letter is written. Send it, or print it."))
    return redirect("letter_detail", public_id=letter.public_id)


@requires(Perm.CLINIC_SETUP)
@require_http_methods(["GET", "POST"])
def letter_templates_view(request: ActorRequest) -> HttpResponse:
    """The organisation's letter templates and a form for a new one."""
    units = {
        str(u.public_id): u
        for u in Unit.objects.filter(organisation_id__in=request.actor.organisation_ids)
    }
    form = LetterTemplateForm(
        request.POST or None, units=[(key, u.name) for key, u in units.items()]
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            letter_template_save(
                actor=request.actor,
                unit=units.get(data["unit"]),
                kind=data["kind"],
                title=data["title"],
                subject=data["subject"],
                body=data["body"],
                preparation=data["preparation"],
            )
        except DomainError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("The template is saved."))
            return redirect("letter_templates")
    return render(
        request,
        "correspondence/letters/templates.html",
        {
            "templates": letter_template_list(actor=request.actor),
            "form": form,
            "fields": FIELDS,
        },
        status=422 if request.method == "POST" else 200,
    )
