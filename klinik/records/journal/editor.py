"""The journal editor's screens: writing an entry or a correction (templates, phrases, recent
entries beside it), the autosaved draft, discarding it, and Latin → Danish.

Thin: parse → records.access / selector / service → page or htmx partial. Every read of the
record goes through records.access (logged); every write through a service.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from klinik.audit.choices import Channel
from klinik.core.errors import form_error_add
from klinik.core.http import ActorRequest
from klinik.core.policy import Actor, Perm, requires
from klinik.patients.models import Patient
from klinik.patients.views import break_glass_on_refusal
from klinik.records.access import journal_entry_access
from klinik.records.choices import EntryType
from klinik.records.errors import RecordError
from klinik.records.header import record_frame, record_patient
from klinik.records.journal import note_templates
from klinik.records.journal import phrases as phrase_rows
from klinik.records.journal.forms import ERROR_FIELDS, EntryForm, chosen_row, signer_choices
from klinik.records.journal.selectors import (
    contacts_open,
    entry_signature,
    journal_draft_of,
    journal_entry_is_current,
    journal_signers,
    journal_timeline,
    user_display_name,
)
from klinik.records.journal.services import (
    EntryDraft,
    journal_draft_discard,
    journal_draft_save,
    journal_entry_correct,
    journal_entry_write,
)
from klinik.records.models import Contact, JournalDraft, JournalEntry
from klinik.terminology.selectors import term_danish, term_offers

LATIN_TEXT_MAX = 100_000
RECENT_IN_EDITOR = 5


def _hx_redirect(request: ActorRequest, url: str) -> HttpResponse:
    if request.htmx:
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _contact_label(contact: Contact) -> str:
    when = timezone.localtime(contact.started_at).strftime("%d.%m.%Y %H:%M")
    label = f"{contact.get_kind_display()} {when}"
    return f"{label} · {contact.reason}" if contact.reason else label


def _editor_form(
    patient: Patient,
    *,
    data: Any = None,
    initial: dict[str, Any] | None = None,
    correcting: bool = False,
) -> EntryForm:
    return EntryForm(
        data,
        initial=initial,
        contacts=[(str(c.public_id), _contact_label(c)) for c in contacts_open(patient=patient)],
        responsibles=signer_choices(journal_signers(organisation_id=patient.organisation_id)),
        correcting=correcting,
    )


def _editor_context(
    request: ActorRequest,
    patient: Patient,
    form: EntryForm,
    *,
    corrects: JournalEntry | None = None,
    error: str = "",
) -> dict[str, Any]:
    actor = request.actor
    unit = (
        actor.unit if actor.unit and actor.unit.organisation_id == patient.organisation_id else None
    )
    templates: list[Any] = []
    phrases: list[Any] = []
    if unit is not None:
        templates = note_templates.note_templates_for(unit=unit)
        if not templates:
            note_templates.note_template_defaults(unit=unit)
            templates = note_templates.note_templates_for(unit=unit)
        phrases = phrase_rows.phrases_for(unit=unit, user=actor.user)
    recent = journal_timeline(patient=patient, limit=RECENT_IN_EDITOR).items
    choices = [
        {
            "public_id": t.public_id,
            "name": t.name,
            "entry_type": t.entry_type,
            "headings": "\n".join(t.headings),
            "org_wide": t.unit_id is None,
        }
        for t in templates
    ]
    return record_frame(
        request,
        patient,
        "journal",
        form=form,
        corrects=corrects,
        corrects_signature=entry_signature(corrects) if corrects else None,
        error=error,
        templates=choices,
        phrases=phrases,
        phrase_map={p.shortcut: p.text for p in phrases},
        phrase_merge=phrase_rows.MergeValues(
            first_name=patient.given_name,
            today=timezone.localdate(),
            clinician=user_display_name(actor.user),
        ).as_map(),
        merge_fields=phrase_rows.MERGE_FIELDS,
        recent=recent,
    )


# Writing -----------------------------------------------------------------------------------------


def _editor_draft(
    request: ActorRequest, patient: Patient, params: QueryDict
) -> JournalDraft | None:
    """The draft the editor resumes (`draft=`). One saved or discarded meanwhile raises
    RecordError on GET; on POST it is None (saved by another tab: the entry itself decides)."""
    draft_id = params.get("draft")
    if not draft_id:
        return None
    try:
        return journal_draft_of(actor=request.actor, patient=patient, public_id=draft_id)
    except RecordError:
        if request.method == "GET":
            raise
        return None


def _editor_corrects(
    request: ActorRequest, patient: Patient, params: QueryDict, draft: JournalDraft | None
) -> JournalEntry | None:
    """The entry being corrected (`corrects=`, or the draft's), read through the door."""
    corrects_id = params.get("corrects") or (
        draft.corrects.public_id if draft and draft.corrects else ""
    )
    if not corrects_id:
        return None
    corrects = journal_entry_access(
        actor=request.actor, public_id=corrects_id, channel=Channel.UI, perm=Perm.RECORD_WRITE
    )
    if corrects.patient_id != patient.pk:
        raise Http404
    return corrects


def _editor_initial(
    patient: Patient, draft: JournalDraft | None, corrects: JournalEntry | None
) -> dict[str, Any]:
    """The editor's fields on opening: the draft's, the corrected text, or a new note (on the
    patient's open contact of today, the latest if there are several)."""
    initial: dict[str, Any] = {"entry_type": EntryType.NOTE}
    if draft is not None:
        initial = {
            "entry_type": draft.entry_type,
            "title": draft.title,
            "text": draft.text,
            "contact": str(draft.contact.public_id) if draft.contact else "",
            "responsible": str(draft.responsible.public_id) if draft.responsible else "",
            "draft": draft.public_id,
        }
    elif corrects is not None:
        initial = {"title": corrects.title, "text": corrects.text}
    else:
        # Today's open contact; one left open on another day is never chosen by itself.
        today = timezone.localdate()
        todays = [
            c for c in contacts_open(patient=patient) if timezone.localdate(c.started_at) == today
        ]
        if todays:
            latest = max(todays, key=lambda c: c.started_at)
            initial["contact"] = str(latest.public_id)
    if corrects is not None:
        initial["corrects"] = corrects.public_id
    return initial


def _editor_save(
    actor: Actor,
    patient: Patient,
    data: dict[str, Any],
    *,
    corrects: JournalEntry | None,
    draft: JournalDraft | None,
) -> JournalEntry:
    """Save the valid editor form to the record: a correction, or a new entry."""
    if corrects is not None:
        return journal_entry_correct(
            actor=actor,
            entry=corrects,
            text=data["text"],
            reason=data["reason"],
            title=data["title"],
            from_draft=draft,
        )
    contact = chosen_row(data["contact"], contacts_open(patient=patient))
    responsible = chosen_row(
        data["responsible"], journal_signers(organisation_id=patient.organisation_id)
    )
    return journal_entry_write(
        actor=actor,
        patient=patient,
        draft=EntryDraft(
            entry_type=data["entry_type"],
            text=data["text"],
            title=data["title"],
            contact=contact,
            responsible=responsible,
        ),
        from_draft=draft,
    )


def _correction_refused(
    request: ActorRequest, patient: Patient, corrects: JournalEntry
) -> HttpResponse:
    return render(
        request,
        "records/write_refused.html",
        record_frame(
            request,
            patient,
            "journal",
            entry=corrects,
            message=_(
                "This version has already been corrected; open the newest version and correct that."
            ),
        ),
        status=409,
    )


@requires(Perm.RECORD_WRITE)
@require_http_methods(["GET", "POST"])
@break_glass_on_refusal
def record_write_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """The editor. GET `draft=` resumes a draft, `corrects=` corrects the newest version of an
    entry. POST saves to the record (the draft goes in the same transaction)."""
    params = request.POST if request.method == "POST" else request.GET
    patient = record_patient(request, public_id, perm=Perm.RECORD_WRITE)
    try:
        draft = _editor_draft(request, patient, params)
    except RecordError as exc:
        messages.warning(request, exc.message)
        return redirect("record_journal", public_id=patient.public_id)
    corrects = _editor_corrects(request, patient, params, draft)
    if corrects is not None and not journal_entry_is_current(entry=corrects):
        return _correction_refused(request, patient, corrects)
    correcting = corrects is not None
    if request.method == "GET":
        initial = _editor_initial(patient, draft, corrects)
        form = _editor_form(patient, initial=initial, correcting=correcting)
        context = _editor_context(request, patient, form, corrects=corrects)
        return render(request, "records/write.html", context)

    form = _editor_form(patient, data=request.POST, correcting=correcting)
    if form.is_valid():
        try:
            entry = _editor_save(
                request.actor, patient, form.cleaned_data, corrects=corrects, draft=draft
            )
        except RecordError as exc:
            form_error_add(form, exc, ERROR_FIELDS)
        else:
            if entry.needs_signature:
                messages.success(
                    request,
                    _("Saved to the record. It awaits approval by the responsible clinician."),
                )
            else:
                messages.success(request, _("Saved to the record."))
            url = reverse("record_journal", kwargs={"public_id": patient.public_id})
            return _hx_redirect(request, f"{url}#entry-{entry.public_id}")
    context = _editor_context(request, patient, form, corrects=corrects)
    template = "records/partials/_journal_editor.html" if request.htmx else "records/write.html"
    return render(request, template, context, status=422)


# Drafts ------------------------------------------------------------------------------------------


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def record_draft_save_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """The editor's autosave (htmx, a few seconds after typing stops and on leaving the text).
    Answers with the "Draft saved hh:mm" status and the draft's id for the form."""
    actor = request.actor
    patient = record_patient(
        request, public_id, perm=Perm.RECORD_WRITE, object_type="journal_draft"
    )
    post = request.POST
    draft: JournalDraft | None = None
    if post.get("draft"):
        try:
            draft = journal_draft_of(actor=actor, patient=patient, public_id=post["draft"])
        except RecordError:
            # Saved to the record (or discarded) meanwhile: never bring the draft back.
            return render(request, "records/partials/_journal_draft_status.html", {"gone": True})
    text = post.get("text", "")
    title = post.get("title", "")
    if draft is None and not text.strip() and not title.strip():
        return render(request, "records/partials/_journal_draft_status.html", {"empty": True})
    fields: dict[str, Any] = {"text": text, "title": title[:200]}
    if post.get("entry_type") in EntryType.values:
        fields["entry_type"] = post["entry_type"]
    if "contact" in post:
        fields["contact"] = chosen_row(post["contact"], contacts_open(patient=patient))
    if "responsible" in post:
        fields["responsible"] = chosen_row(
            post["responsible"], journal_signers(organisation_id=patient.organisation_id)
        )
    if post.get("corrects") and draft is None:
        corrects = journal_entry_access(
            actor=actor, public_id=post["corrects"], channel=Channel.UI, perm=Perm.RECORD_WRITE
        )
        if corrects.patient_id != patient.pk:
            raise Http404
        fields["corrects"] = corrects
    try:
        draft = journal_draft_save(actor=actor, patient=patient, draft=draft, **fields)
    except RecordError as exc:
        return render(
            request,
            "records/partials/_journal_draft_status.html",
            {"error": exc.message},
            status=422,
        )
    return render(request, "records/partials/_journal_draft_status.html", {"draft": draft})


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def record_draft_discard_view(
    request: ActorRequest, public_id: uuid.UUID, draft_id: uuid.UUID
) -> HttpResponse:
    actor = request.actor
    patient = record_patient(
        request, public_id, perm=Perm.RECORD_WRITE, object_type="journal_draft"
    )
    try:
        draft = journal_draft_of(actor=actor, patient=patient, public_id=draft_id)
        journal_draft_discard(actor=actor, draft=draft)
    except RecordError as exc:
        messages.warning(request, exc.message)
    else:
        messages.success(request, _("The draft is discarded."))
    return _hx_redirect(request, reverse("record_journal", kwargs={"public_id": patient.public_id}))


# Latin → Danish ----------------------------------------------------------------------------------


@requires(Perm.RECORD_WRITE)
@require_POST
def journal_latin_view(request: ActorRequest) -> HttpResponse:
    """Latin terms in the editor's text (POSTed: it is patient data) with their Danish
    professional and plain forms. The page offers each term once, with its Danish form and
    lay term as replacements for every place it is written; nothing changes the note by
    itself."""
    text = request.POST.get("text", "")[:LATIN_TEXT_MAX]
    selection = " ".join(request.POST.get("selection", "").split())[:200]
    matches = term_offers(text=text)
    chosen = None
    if selection and not any(m.text.lower() == selection.lower() for m in matches):
        try:
            chosen = term_danish(term=selection)
        except ValueError:
            chosen = None
    return render(
        request,
        "records/partials/_journal_latin.html",
        {"matches": matches, "chosen": chosen, "searched": True},
    )
