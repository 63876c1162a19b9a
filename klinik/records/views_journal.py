"""The journal screens: the record page's timeline and contacts, the editor (templates,
phrases, autosaved drafts, corrections, Latin → Danish), signing and the signing queue, and
the administration of templates and phrases.

Thin: parse → records.access / selector / service → page or htmx partial. Every read of the
record goes through records.access (logged); every write through a service.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from klinik.audit.choices import Action, Channel
from klinik.core.policy import Actor, Perm, requires
from klinik.patients.models import Patient
from klinik.patients.views import break_glass_on_refusal
from klinik.records import note_templates
from klinik.records.access import access_record_row
from klinik.records.choices import EntryType
from klinik.records.errors import RecordError
from klinik.records.forms import (
    ContactOpenForm,
    EntryForm,
    JournalFilterForm,
    NoteTemplateForm,
    PhraseForm,
    add_record_error,
)
from klinik.records.header import record_frame, record_patient
from klinik.records.models import Contact, JournalDraft, JournalEntry
from klinik.records.selectors import (
    TimelineItem,
    contacts_of_patient,
    contacts_open,
    entry_signature,
    journal_draft_of,
    journal_drafts,
    journal_entry_is_current,
    journal_entry_versions,
    journal_filters,
    journal_signers,
    journal_timeline,
    journal_to_sign,
    user_display_name,
)
from klinik.records.services import (
    EntryDraft,
    contact_close,
    contact_open,
    journal_draft_discard,
    journal_draft_save,
    journal_entry_correct,
    journal_entry_sign,
    journal_entry_write,
)
from klinik.terminology.selectors import term_danish, terms_in_text

LATIN_TEXT_MAX = 100_000
# Entries per page of the record's timeline ("Show more" fetches the next as many). 25 fill
# several screens of a consultation view, newest first; 50 made the first page slower to
# open (rows to build and render) than it is worth for entries far below the fold.
JOURNAL_PAGE_SIZE = 25
RECENT_IN_EDITOR = 5


def _entry(request: HttpRequest, entry_id: uuid.UUID, *, perm: Perm) -> JournalEntry:
    return access_record_row(
        actor=request.actor,
        queryset=JournalEntry.objects.select_related("author", "unit", "contact"),
        public_id=entry_id,
        channel=Channel.UI,
        perm=perm,
        object_type="journal_entry",
    )


def _hx_redirect(request: HttpRequest, url: str) -> HttpResponse:
    if request.htmx:
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _may_sign(actor: Actor, entry: JournalEntry) -> bool:
    return (
        actor.can(Perm.RECORD_SIGN)
        and entry.needs_signature
        and entry.responsible_id in (None, actor.user.pk)
    )


def _signers(patient: Patient) -> list[tuple[str, str]]:
    return [
        (str(user.public_id), user_display_name(user))
        for user in journal_signers(organisation_id=patient.organisation_id)
    ]


def _contact_label(contact: Contact) -> str:
    when = timezone.localtime(contact.started_at).strftime("%d.%m.%Y %H:%M")
    label = f"{contact.get_kind_display()} {when}"
    return f"{label} · {contact.reason}" if contact.reason else label


# The timeline ------------------------------------------------------------------------------------

# A stand-in public id: an entry URL is reversed once per page with it and each row's URL made
# by replacing it (a reversal costs as much as rendering the rest of a row).
_ID_SLOT = str(uuid.UUID(int=0))


def _filter_form(request: HttpRequest, patient: Patient) -> JournalFilterForm:
    choices = journal_filters(patient=patient)
    return JournalFilterForm(
        request.GET or None,
        types=[(c.value, c.label) for c in choices.types],
        units=[(c.value, c.label) for c in choices.units],
        authors=[(c.value, c.label) for c in choices.authors],
    )


def _signable(actor: Actor, items: list[TimelineItem]) -> set[int]:
    return {
        item.entry.pk
        for item in items
        if item.is_current and not item.is_signed and _may_sign(actor, item.entry)
    }


@dataclass(frozen=True)
class TimelineRow:
    """One timeline row with its strings made in Python once per page (labels, local times,
    URLs): the template only places them. Rendering 50 rows through an include each, with
    four URL reversals, two date filters and a blocktranslate per row, was most of the page's
    time."""

    public_id: str
    entry_type: str
    type_label: str
    occurred_iso: str  # local time, ISO 8601 (the <time> element's datetime)
    occurred_text: str  # d.m.Y H:i
    author_name: str
    unit_name: str
    title: str
    text: str
    needs_signature: bool
    is_corrected: bool
    version_count: int
    versions_url: str
    correct_url: str  # "" when the actor may not correct it (not current, no RECORD_WRITE)
    sign_url: str  # "" when the actor may not approve it
    approved_text: str  # "Approved by … d.m.Y H:i"; "" while unapproved
    error: str = ""


def _local_text(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


def timeline_rows(
    actor: Actor, patient: Patient, items: list[TimelineItem], *, error: str = ""
) -> list[TimelineRow]:
    """The rows of `_journal_rows.html` for these timeline items, as `actor` sees them."""
    if not items:
        return []
    versions_url = reverse("journal_entry_versions", args=[_ID_SLOT])
    sign_url = reverse("journal_entry_sign", args=[_ID_SLOT])
    correct_url = ""
    if actor.can(Perm.RECORD_WRITE):
        correct_url = f"{reverse('record_write', args=[patient.public_id])}?corrects={_ID_SLOT}"
    signable = _signable(actor, items)
    type_labels = {value: str(label) for value, label in EntryType.choices}
    approved = _("Approved by %(who)s %(when)s")
    rows = []
    for item in items:
        entry = item.entry
        public_id = str(entry.public_id)
        occurred = timezone.localtime(entry.occurred_at)
        signature = item.signature
        rows.append(
            TimelineRow(
                public_id=public_id,
                entry_type=entry.entry_type,
                type_label=type_labels.get(entry.entry_type, entry.entry_type),
                occurred_iso=occurred.isoformat(),
                occurred_text=occurred.strftime("%d.%m.%Y %H:%M"),
                author_name=item.author_name,
                unit_name=item.unit_name,
                title=entry.title,
                text=entry.text,
                needs_signature=item.needs_signature,
                is_corrected=item.is_corrected,
                version_count=item.version_count,
                versions_url=versions_url.replace(_ID_SLOT, public_id),
                correct_url=(
                    correct_url.replace(_ID_SLOT, public_id)
                    if correct_url and item.is_current
                    else ""
                ),
                sign_url=sign_url.replace(_ID_SLOT, public_id) if entry.pk in signable else "",
                approved_text=(
                    approved
                    % {"who": item.signed_by_name, "when": _local_text(signature.signed_at)}
                    if signature is not None
                    else ""
                ),
                error=error,
            )
        )
    return rows


@requires(Perm.RECORD_READ)
@require_GET
@break_glass_on_refusal
def record_journal_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The journal, newest first. htmx: the filtered timeline, or (with `before`) the next
    page's rows in place of the "show more" button."""
    actor = request.actor
    patient = record_patient(request, public_id)
    form = _filter_form(request, patient)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "entry_types": [data["type"]] if data["type"] else None,
            "unit_ids": [data["unit"]] if data["unit"] else None,
            "author_ids": [data["author"]] if data["author"] else None,
            "since": data["since"],
            "until": data["until"],
        }
    before = request.GET.get("before") or None
    error = ""
    try:
        page = journal_timeline(patient=patient, before=before, limit=JOURNAL_PAGE_SIZE, **filters)
    except RecordError as exc:
        error = exc.message
        page = journal_timeline(patient=patient, limit=JOURNAL_PAGE_SIZE)
    more = QueryDict(mutable=True)
    for name in ("type", "unit", "author", "since", "until"):
        if form.is_bound and request.GET.get(name):
            more[name] = request.GET[name]
    if page.next_cursor:
        more["before"] = page.next_cursor
    context = record_frame(
        request,
        patient,
        "journal",
        page=page,
        form=form,
        error=error,
        more_query=more.urlencode(),
        rows=timeline_rows(actor, patient, page.items),
        journal_url=reverse("record_journal", args=[patient.public_id]),
        filtered=any(v for v in filters.values()),
    )
    status = 422 if (form.is_bound and form.errors) or error else 200
    is_restore = request.headers.get("HX-History-Restore-Request") == "true"
    if request.htmx and not is_restore:
        template = (
            "records/partials/_journal_rows.html"
            if before
            else "records/partials/_journal_timeline.html"
        )
        return render(request, template, context, status=status)
    context["drafts"] = journal_drafts(actor=actor, patient=patient)
    return render(request, "records/journal.html", context, status=status)


@requires(Perm.RECORD_READ)
@require_GET
@break_glass_on_refusal
def journal_entry_versions_view(request: HttpRequest, entry_id: uuid.UUID) -> HttpResponse:
    """Every version of an entry, oldest first: who wrote and corrected it, when and why.
    htmx (the signing queue's "show text"): the current text only."""
    entry = _entry(request, entry_id, perm=Perm.RECORD_READ)
    versions = journal_entry_versions(entry=entry)
    if request.htmx:
        return render(request, "records/partials/_journal_text.html", {"entry": entry})
    current = versions[-1]
    rows = [
        {
            "entry": version,
            "signature": entry_signature(version),
            "author_name": user_display_name(version.author),
            "successor": versions[i + 1] if i + 1 < len(versions) else None,
        }
        for i, version in enumerate(versions)
    ]
    return render(
        request,
        "records/versions.html",
        record_frame(
            request,
            entry.patient,
            "journal",
            rows=rows,
            current=current,
            asked=entry,
            may_sign=_may_sign(request.actor, current) and entry_signature(current) is None,
        ),
    )


# Signing -----------------------------------------------------------------------------------------


@requires(Perm.RECORD_SIGN)
@require_POST
@break_glass_on_refusal
def journal_entry_sign_view(request: HttpRequest, entry_id: uuid.UUID) -> HttpResponse:
    """Approve an entry. htmx: the row (timeline or signing queue) answers in place."""
    actor = request.actor
    entry = _entry(request, entry_id, perm=Perm.RECORD_SIGN)
    error = ""
    try:
        signature = journal_entry_sign(actor=actor, entry=entry)
    except RecordError as exc:
        error = exc.message
        signature = entry_signature(entry)
    where = request.POST.get("from", "")
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("The entry is approved."))
        if where == "to_sign":
            return redirect("journal_to_sign")
        return redirect("journal_entry_versions", entry_id=entry.public_id)
    status = 422 if error else 200
    if where == "to_sign":
        return render(
            request,
            "records/partials/_journal_to_sign_row.html",
            {"entry": entry, "signature": signature, "error": error},
            status=status,
        )
    item = TimelineItem(
        entry=entry,
        author_name=user_display_name(entry.author),
        unit_name=entry.unit.name,
        contact=entry.contact,
        signature=signature,
        signed_by_name=user_display_name(signature.signed_by) if signature else "",
        version_count=entry.version,
        is_current=journal_entry_is_current(entry=entry),
    )
    return render(
        request,
        "records/partials/_journal_rows.html",
        {"rows": timeline_rows(actor, entry.patient, [item], error=error)},
        status=status,
    )


@requires(Perm.RECORD_SIGN)
@require_GET
def journal_to_sign_view(request: HttpRequest) -> HttpResponse:
    """Entries waiting for the actor's approval, oldest first, with one-click signing."""
    entries = journal_to_sign(actor=request.actor)
    return render(request, "records/to_sign.html", {"entries": entries})


# The editor --------------------------------------------------------------------------------------


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
        responsibles=_signers(patient),
        correcting=correcting,
    )


def _editor_context(
    request: HttpRequest,
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
        phrases = note_templates.phrases_for(unit=unit)
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
        recent=recent,
    )


def _resolve_choice(value: str, rows: list[Any]) -> Any:
    return next((row for row in rows if str(row.public_id) == value), None) if value else None


@requires(Perm.RECORD_WRITE)
@require_http_methods(["GET", "POST"])
@break_glass_on_refusal
def record_write_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The editor. GET `draft=` resumes a draft, `corrects=` corrects the newest version of an
    entry. POST saves to the record (the draft goes in the same transaction)."""
    actor = request.actor
    params = request.POST if request.method == "POST" else request.GET
    draft: JournalDraft | None = None
    corrects: JournalEntry | None = None
    patient = record_patient(request, public_id, perm=Perm.RECORD_WRITE)
    if params.get("draft"):
        try:
            draft = journal_draft_of(actor=actor, patient=patient, public_id=params["draft"])
        except RecordError as exc:
            if request.method == "GET":
                messages.warning(request, exc.message)
                return redirect("record_journal", public_id=patient.public_id)
            draft = None  # already saved by another tab: the entry itself decides below
    corrects_id = params.get("corrects") or (
        draft.corrects.public_id if draft and draft.corrects else ""
    )
    if corrects_id:
        corrects = _entry(request, corrects_id, perm=Perm.RECORD_WRITE)
        if corrects.patient_id != patient.pk:
            raise Http404
        if not journal_entry_is_current(entry=corrects):
            return render(
                request,
                "records/write_refused.html",
                record_frame(
                    request,
                    patient,
                    "journal",
                    entry=corrects,
                    message=_(
                        "This version has already been corrected; open the newest version "
                        "and correct that."
                    ),
                ),
                status=409,
            )
    correcting = corrects is not None
    if request.method == "GET":
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
            open_contacts = contacts_open(patient=patient)
            if len(open_contacts) == 1:
                initial["contact"] = str(open_contacts[0].public_id)
        if corrects is not None:
            initial["corrects"] = corrects.public_id
        form = _editor_form(patient, initial=initial, correcting=correcting)
        return render(
            request,
            "records/write.html",
            _editor_context(request, patient, form, corrects=corrects),
        )

    form = _editor_form(patient, data=request.POST, correcting=correcting)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if corrects is not None:
                entry = journal_entry_correct(
                    actor=actor,
                    entry=corrects,
                    text=data["text"],
                    reason=data["reason"],
                    title=data["title"],
                    from_draft=draft,
                )
            else:
                contact = _resolve_choice(data["contact"], contacts_open(patient=patient))
                responsible = _resolve_choice(
                    data["responsible"], journal_signers(organisation_id=patient.organisation_id)
                )
                entry = journal_entry_write(
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
        except RecordError as exc:
            add_record_error(form, exc)
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


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def record_draft_save_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
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
        fields["contact"] = _resolve_choice(post["contact"], contacts_open(patient=patient))
    if "responsible" in post:
        fields["responsible"] = _resolve_choice(
            post["responsible"], journal_signers(organisation_id=patient.organisation_id)
        )
    if post.get("corrects") and draft is None:
        corrects = _entry(request, post["corrects"], perm=Perm.RECORD_WRITE)
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
    request: HttpRequest, public_id: uuid.UUID, draft_id: uuid.UUID
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


@requires(Perm.RECORD_WRITE)
@require_POST
def journal_latin_view(request: HttpRequest) -> HttpResponse:
    """Latin terms in the editor's text (POSTed: it is patient data) with their Danish
    professional and plain forms. The page offers each as a replacement; nothing changes the
    note by itself."""
    text = request.POST.get("text", "")[:LATIN_TEXT_MAX]
    selection = " ".join(request.POST.get("selection", "").split())[:200]
    matches = terms_in_text(text=text)
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


# Contacts ----------------------------------------------------------------------------------------


@requires(Perm.RECORD_READ)
@require_http_methods(["GET", "POST"])
@break_glass_on_refusal
def record_contacts_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The patient's contacts; POST opens a phone, video or written contact."""
    actor = request.actor
    writing = request.method == "POST"
    if writing and not actor.can(Perm.RECORD_WRITE):
        raise PermissionDenied(Perm.RECORD_WRITE.value)
    patient = record_patient(
        request, public_id, perm=Perm.RECORD_WRITE if writing else Perm.RECORD_READ
    )
    form = ContactOpenForm(request.POST if writing else None, responsibles=_signers(patient))
    status = 200
    if writing:
        if form.is_valid():
            data = form.cleaned_data
            responsible = _resolve_choice(
                data["responsible"], journal_signers(organisation_id=patient.organisation_id)
            )
            try:
                contact_open(
                    actor=actor,
                    patient=patient,
                    kind=data["kind"],
                    reason=data["reason"],
                    responsible=responsible,
                )
            except RecordError as exc:
                add_record_error(form, exc)
            else:
                messages.success(request, _("The contact is opened."))
                return redirect("record_contacts", public_id=patient.public_id)
        status = 422
    return render(
        request,
        "records/contacts.html",
        record_frame(
            request,
            patient,
            "contacts",
            contacts=contacts_of_patient(patient=patient),
            form=form,
        ),
        status=status,
    )


@requires(Perm.RECORD_WRITE)
@require_POST
@break_glass_on_refusal
def record_contact_close_view(
    request: HttpRequest, public_id: uuid.UUID, contact_id: uuid.UUID
) -> HttpResponse:
    contact = access_record_row(
        actor=request.actor,
        queryset=Contact.objects.all(),
        public_id=contact_id,
        channel=Channel.UI,
        action=Action.VIEW,
        perm=Perm.RECORD_WRITE,
        object_type="contact",
    )
    if contact.patient.public_id != public_id:
        raise Http404
    try:
        contact_close(actor=request.actor, contact=contact)
    except RecordError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The contact is closed."))
    return redirect("record_contacts", public_id=public_id)


# Templates and phrases ---------------------------------------------------------------------------


def _admin_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    actor = request.actor
    return {
        "templates": note_templates.note_templates_admin(actor=actor),
        "phrases": note_templates.phrases_admin(actor=actor),
        "template_form": extra.pop("template_form", None)
        or NoteTemplateForm(prefix_id="new-template"),
        "phrase_form": extra.pop("phrase_form", None) or PhraseForm(prefix_id="new-phrase"),
        **extra,
    }


def _template_save(actor: Any, form: NoteTemplateForm, template: Any = None) -> None:
    note_templates.note_template_save(
        actor=actor,
        template=template,
        name=form.cleaned_data["name"],
        headings=form.headings_list(),
        entry_type=form.cleaned_data["entry_type"],
        whole_organisation=form.cleaned_data["whole_organisation"],
        position=form.cleaned_data["position"],
    )


def _phrase_save(actor: Any, form: PhraseForm, phrase: Any = None) -> None:
    note_templates.phrase_save(
        actor=actor,
        phrase=phrase,
        shortcut=form.cleaned_data["shortcut"],
        text=form.cleaned_data["text"],
        whole_organisation=form.cleaned_data["whole_organisation"],
    )


def _saved(request: HttpRequest, form: Any, save: Callable[[], object], message: str) -> bool:
    """Save a valid form; a refusal goes onto the form. True when saved (and said so)."""
    if not form.is_valid():
        return False
    try:
        save()
    except RecordError as exc:
        add_record_error(form, exc)
        return False
    messages.success(request, message)
    return True


@requires(Perm.RECORD_WRITE)
@require_http_methods(["GET", "POST"])
def journal_templates_view(request: HttpRequest) -> HttpResponse:
    """The unit's note templates and phrases; POST adds one (`add=template|phrase`)."""
    actor = request.actor
    if actor.unit is None:
        raise Http404
    if request.method == "GET":
        # A unit without templates starts from the defaults (S/O/V/P …), as the editor does.
        note_templates.note_template_defaults(unit=actor.unit)
        return render(request, "records/templates_admin.html", _admin_context(request))
    form: Any
    if request.POST.get("add") == "phrase":
        form = PhraseForm(request.POST, prefix_id="new-phrase")
        save, message, key = _phrase_save, _("The phrase is saved."), "phrase_form"
    else:
        form = NoteTemplateForm(request.POST, prefix_id="new-template")
        save, message, key = _template_save, _("The template is saved."), "template_form"
    if _saved(request, form, lambda: save(actor, form), message):
        return redirect("journal_templates")
    context = _admin_context(request, **{key: form})
    return render(request, "records/templates_admin.html", context, status=422)


def _admin_edit(
    request: HttpRequest,
    row: Any,
    form: Any,
    *,
    save: Callable[[Any, Any, Any], object],
    set_active: Callable[[Any, Any, bool], object],
    message: str,
    template_name: str,
    context_name: str,
) -> HttpResponse:
    """Edit one template or phrase, or (POST `active=0|1`) take it out of or back into use."""
    if request.method == "POST" and "active" in request.POST:
        set_active(request.actor, row, request.POST["active"] == "1")
        return redirect("journal_templates")
    if request.method == "POST" and _saved(
        request, form, lambda: save(request.actor, form, row), message
    ):
        return redirect("journal_templates")
    status = 422 if request.method == "POST" else 200
    return render(request, template_name, {"form": form, context_name: row}, status=status)


@requires(Perm.RECORD_WRITE)
@require_http_methods(["GET", "POST"])
def journal_template_edit_view(request: HttpRequest, template_id: uuid.UUID) -> HttpResponse:
    template = note_templates.note_template_of(actor=request.actor, public_id=template_id)
    initial = {
        "name": template.name,
        "entry_type": template.entry_type,
        "headings": "\n".join(template.headings),
        "whole_organisation": template.unit_id is None,
        "position": template.position,
    }
    return _admin_edit(
        request,
        template,
        NoteTemplateForm(request.POST or None, initial=initial),
        save=_template_save,
        set_active=lambda actor, row, on: note_templates.note_template_set_active(
            actor=actor, template=row, is_active=on
        ),
        message=_("The template is saved."),
        template_name="records/template_edit.html",
        context_name="template",
    )


@requires(Perm.RECORD_WRITE)
@require_http_methods(["GET", "POST"])
def journal_phrase_edit_view(request: HttpRequest, phrase_id: int) -> HttpResponse:
    phrase = note_templates.phrase_of(actor=request.actor, pk=phrase_id)
    initial = {
        "shortcut": phrase.shortcut,
        "text": phrase.text,
        "whole_organisation": phrase.unit_id is None,
    }
    return _admin_edit(
        request,
        phrase,
        PhraseForm(request.POST or None, initial=initial),
        save=_phrase_save,
        set_active=lambda actor, row, on: note_templates.phrase_set_active(
            actor=actor, phrase=row, is_active=on
        ),
        message=_("The phrase is saved."),
        template_name="records/phrase_edit.html",
        context_name="phrase",
    )
