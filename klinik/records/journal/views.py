"""The journal screens: the record page's timeline, an entry's versions, signing and the
signing queue and the contacts tab. The editor is in `editor.py`, the administration of note
templates and phrases in `setup_views.py`.

Thin: parse → records.access / selector / service → page or htmx partial. Every read of the
record goes through records.access (logged); every write through a service.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from klinik.audit.choices import Action, Channel
from klinik.core.errors import form_error_add
from klinik.core.http import ActorRequest
from klinik.core.policy import Actor, Perm, requires
from klinik.patients.models import Patient
from klinik.patients.views import break_glass_on_refusal
from klinik.records.access import access_record_row, journal_entry_access
from klinik.records.choices import EntryType
from klinik.records.errors import RecordError
from klinik.records.header import record_frame, record_patient
from klinik.records.journal.filters import journal_filters
from klinik.records.journal.forms import (
    ERROR_FIELDS,
    ContactOpenForm,
    JournalFilterForm,
    chosen_row,
    signer_choices,
)
from klinik.records.journal.selectors import (
    TimelineItem,
    contacts_of_patient,
    entry_signature,
    journal_drafts,
    journal_entry_is_current,
    journal_entry_versions,
    journal_signers,
    journal_timeline,
    journal_to_sign,
    user_display_name,
)
from klinik.records.journal.services import contact_close, contact_open, journal_entry_sign
from klinik.records.models import Contact, JournalEntry, JournalSignature

# Entries per page of the record's timeline ("Show more" fetches the next as many). 25 fill
# several screens of a consultation view, newest first; 50 made the first page slower to
# open (rows to build and render) than it is worth for entries far below the fold.
JOURNAL_PAGE_SIZE = 25


def _may_sign(actor: Actor, entry: JournalEntry) -> bool:
    return (
        actor.can(Perm.RECORD_SIGN)
        and entry.needs_signature
        and entry.responsible_id in (None, actor.user.pk)
    )


# The timeline ------------------------------------------------------------------------------------


# A stand-in public id: an entry URL is reversed once per page with it and each row's URL made
# by replacing it (a reversal costs as much as rendering the rest of a row).
_ID_SLOT = str(uuid.UUID(int=0))


def _filter_form(request: ActorRequest, patient: Patient) -> JournalFilterForm:
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
def record_journal_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
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
def journal_entry_versions_view(request: ActorRequest, entry_id: uuid.UUID) -> HttpResponse:
    """Every version of an entry, oldest first: who wrote and corrected it, when and why.
    htmx (the signing queue's "show text"): the current text only."""
    entry = journal_entry_access(actor=request.actor, public_id=entry_id, channel=Channel.UI)
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
def journal_entry_sign_view(request: ActorRequest, entry_id: uuid.UUID) -> HttpResponse:
    """Approve an entry. htmx: the row (timeline or signing queue) answers in place."""
    actor = request.actor
    entry = journal_entry_access(
        actor=actor, public_id=entry_id, channel=Channel.UI, perm=Perm.RECORD_SIGN
    )
    error = ""
    signature: JournalSignature | None
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
def journal_to_sign_view(request: ActorRequest) -> HttpResponse:
    """Entries waiting for the actor's approval, oldest first, with one-click signing."""
    entries = journal_to_sign(actor=request.actor)
    return render(request, "records/to_sign.html", {"entries": entries})


# Contacts ----------------------------------------------------------------------------------------


@requires(Perm.RECORD_READ)
@require_http_methods(["GET", "POST"])
@break_glass_on_refusal
def record_contacts_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """The patient's contacts; POST opens a phone, video or written contact."""
    actor = request.actor
    writing = request.method == "POST"
    if writing and not actor.can(Perm.RECORD_WRITE):
        raise PermissionDenied(Perm.RECORD_WRITE.value)
    patient = record_patient(
        request, public_id, perm=Perm.RECORD_WRITE if writing else Perm.RECORD_READ
    )
    form = ContactOpenForm(
        request.POST if writing else None,
        responsibles=signer_choices(journal_signers(organisation_id=patient.organisation_id)),
    )
    status = 200
    if writing:
        if form.is_valid():
            data = form.cleaned_data
            responsible = chosen_row(
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
                form_error_add(form, exc, ERROR_FIELDS)
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
    request: ActorRequest, public_id: uuid.UUID, contact_id: uuid.UUID
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
