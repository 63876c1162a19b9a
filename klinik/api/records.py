"""The journal over REST. Parse, call a service or selector, serialise.

Entries are append-only: PUT, PATCH and DELETE of an entry always answer 405; a correction is a
new version (POST .../corrections), approval a signature (POST .../sign). Every read and write
goes through records.access or a service, so it is in the access log.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import overload

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Query, Router, Schema

from klinik.api.types import OUT_OF_RANGE, ApiDateTime, Out, day_in_range, moment_local
from klinik.audit.choices import Action, Channel
from klinik.core.http import ApiRequest
from klinik.core.models import User
from klinik.core.policy import Perm
from klinik.records.access import access_record, access_record_row
from klinik.records.errors import RecordCode, RecordError
from klinik.records.journal.selectors import (
    LOCAL,
    TIMELINE_LIMIT,
    TimelineItem,
    entry_signature,
    journal_contact_for_entry,
    journal_entry_versions,
    journal_signer,
    journal_timeline,
    user_display_name,
)
from klinik.records.journal.services import (
    EntryDraft,
    journal_entry_correct,
    journal_entry_sign,
    journal_entry_write,
)
from klinik.records.models import JournalEntry

router = Router(tags=["records"])

# RecordError codes that are a state conflict (409) or an object rule the actor fails (403);
# any other refusal is bad input (422, naming the field).
IMMUTABLE_DETAIL = (
    "Journal entries are never changed or deleted. To correct one, POST text and reason to "
    "/api/v1/journal/{id}/corrections: a new version is written and the original stays readable."
)


# Schemas -----------------------------------------------------------------------------------------


class PersonOut(Out):
    id: uuid.UUID
    name: str


class JournalEntryIn(Schema):
    type: str = Field("", description="note, phone, dictation, measurement, lab, letter_in, …")
    text: str = ""
    title: str = ""
    contact: uuid.UUID | None = Field(None, description="an open or past contact of the patient")
    occurred_at: ApiDateTime | None = Field(
        None, description="the clinical time described (default now; local time if naive)"
    )
    responsible: uuid.UUID | None = Field(
        None,
        description="the clinician who answers for (and signs) the entry; default: the "
        "contact's, else the author when the author may sign",
    )


class CorrectionIn(Schema):
    text: str = ""
    reason: str = ""
    title: str | None = None


class JournalEntryOut(Out):
    id: uuid.UUID
    type: str
    title: str
    text: str
    author: PersonOut
    responsible: PersonOut | None
    unit: str
    contact: uuid.UUID | None
    recorded_at: datetime
    occurred_at: datetime
    thread: uuid.UUID
    version: int
    supersedes: uuid.UUID | None
    correction_reason: str
    is_current: bool
    version_count: int
    signed: bool
    signed_by: PersonOut | None
    signed_at: datetime | None
    needs_signature: bool = Field(description="true while the entry waits for a signature")


class JournalEntryDetailOut(JournalEntryOut):
    versions: list[JournalEntryOut] = Field(description="every version, oldest first")


class JournalPageOut(Out):
    items: list[JournalEntryOut]
    next_cursor: str | None = Field(description="pass as `before` for the next, older page")


@overload
def _person(user: User) -> PersonOut: ...
@overload
def _person(user: User | None) -> PersonOut | None: ...
def _person(user: User | None) -> PersonOut | None:
    if user is None:
        return None
    return PersonOut(id=user.public_id, name=user_display_name(user))


def entry_out(entry: JournalEntry, *, is_current: bool, version_count: int) -> JournalEntryOut:
    """`entry` loaded by a records selector (author, unit, contact, signature, supersedes id)."""
    signature = entry_signature(entry)
    return JournalEntryOut(
        id=entry.public_id,
        type=entry.entry_type,
        title=entry.title,
        text=entry.text,
        author=_person(entry.author),
        responsible=_person(entry.responsible),
        unit=entry.unit.name,
        contact=entry.contact.public_id if entry.contact is not None else None,
        recorded_at=entry.recorded_at,
        occurred_at=entry.occurred_at,
        thread=entry.thread,
        version=entry.version,
        supersedes=getattr(entry, "supersedes_public_id", None),
        correction_reason=entry.correction_reason,
        is_current=is_current,
        version_count=version_count,
        signed=signature is not None,
        signed_by=_person(signature.signed_by) if signature else None,
        signed_at=signature.signed_at if signature else None,
        needs_signature=entry.needs_signature and signature is None,
    )


def _item_out(item: TimelineItem) -> JournalEntryOut:
    return entry_out(item.entry, is_current=item.is_current, version_count=item.version_count)


def _detail(entry: JournalEntry) -> JournalEntryDetailOut:
    versions = journal_entry_versions(entry=entry)
    outs = [
        entry_out(v, is_current=index == len(versions) - 1, version_count=len(versions))
        for index, v in enumerate(versions)
    ]
    this = next(o for o in outs if o.id == entry.public_id)
    return JournalEntryDetailOut(**this.model_dump(), versions=outs)


def _entry_row(
    request: ApiRequest, entry_id: uuid.UUID, perm: Perm, action: Action
) -> JournalEntry:
    return access_record_row(
        actor=request.auth,
        queryset=JournalEntry.objects.all(),
        public_id=entry_id,
        channel=Channel.API,
        action=action,
        perm=perm,
        object_type="journal_entry",
    )


# Query parameters --------------------------------------------------------------------------------


def _listed(values: list[str] | None) -> list[str]:
    """Repeated (?type=a&type=b) or comma-separated (?type=a,b) values."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def _moment(value: str | None, field: str) -> date | datetime | None:
    """A date (a local day) or an ISO datetime (naive means local time)."""
    if not value:
        return None
    try:
        if len(value) == 10:
            return day_in_range(date.fromisoformat(value))
        return moment_local(datetime.fromisoformat(value))
    except ValueError as exc:
        raise RecordError(
            f"use YYYY-MM-DD or an ISO 8601 time that {OUT_OF_RANGE}",
            code=RecordCode.TIME_INVALID,
            field=field,
        ) from exc


# Endpoints ---------------------------------------------------------------------------------------


@router.post(
    "/patients/{patient_id}/journal",
    response={201: JournalEntryOut},
    summary="Write a journal entry",
    description="The entry is saved to the record and never changed afterwards. An entry by "
    "someone who may not sign (or that another clinician answers for) waits for the "
    "responsible clinician's signature (`needs_signature`). 422 names the invalid field.",
)
def journal_entry_create(
    request: ApiRequest, patient_id: uuid.UUID, payload: JournalEntryIn
) -> tuple[int, JournalEntryOut]:
    actor = request.auth
    patient = access_record(
        actor=actor,
        patient_public_id=patient_id,
        channel=Channel.API,
        perm=Perm.RECORD_WRITE,
        object_type="journal",
    )
    contact = (
        journal_contact_for_entry(patient=patient, public_id=payload.contact)
        if payload.contact
        else None
    )
    responsible = (
        journal_signer(patient=patient, public_id=payload.responsible)
        if payload.responsible
        else None
    )
    occurred_at = payload.occurred_at
    if occurred_at is not None and occurred_at.tzinfo is None:
        occurred_at = occurred_at.replace(tzinfo=LOCAL)
    entry = journal_entry_write(
        actor=actor,
        patient=patient,
        draft=EntryDraft(
            entry_type=payload.type,
            text=payload.text,
            title=payload.title,
            contact=contact,
            responsible=responsible,
            occurred_at=occurred_at,
        ),
        channel=Channel.API,
    )
    return 201, _detail(entry)


@router.get(
    "/patients/{patient_id}/journal",
    response=JournalPageOut,
    summary="The patient's journal, newest first",
    description="Current versions (all versions with `include_superseded=true`), newest first "
    "by clinical time, `limit` per page (1-200, default 50). Filters: `type`, `unit`, `author` "
    "(public ids; repeat or comma-separate), `since`/`until` (YYYY-MM-DD, inclusive local "
    "days, or ISO times). Page on with `before` = the previous page's `next_cursor`.",
)
def journal_list(
    request: ApiRequest,
    patient_id: uuid.UUID,
    type: Query[list[str] | None] = None,
    unit: Query[list[str] | None] = None,
    author: Query[list[str] | None] = None,
    since: str | None = None,
    until: str | None = None,
    before: str | None = None,
    limit: int = TIMELINE_LIMIT,
    include_superseded: bool = False,
) -> JournalPageOut:
    since_at, until_at = _moment(since, "since"), _moment(until, "until")
    patient = access_record(
        actor=request.auth, patient_public_id=patient_id, channel=Channel.API, object_type="journal"
    )
    page = journal_timeline(
        patient=patient,
        entry_types=_listed(type),
        unit_ids=_listed(unit),
        author_ids=_listed(author),
        since=since_at,
        until=until_at,
        include_superseded=include_superseded,
        before=before,
        limit=limit,
    )
    return JournalPageOut(items=[_item_out(i) for i in page.items], next_cursor=page.next_cursor)


@router.get(
    "/journal/{entry_id}",
    response=JournalEntryDetailOut,
    summary="One journal entry with all its versions",
)
def journal_entry_get(request: ApiRequest, entry_id: uuid.UUID) -> JournalEntryDetailOut:
    return _detail(_entry_row(request, entry_id, Perm.RECORD_READ, Action.VIEW))


@router.api_operation(
    ["PUT", "PATCH", "DELETE"],
    "/journal/{entry_id}",
    auth=None,
    response={405: dict},
    summary="Not allowed: entries are never changed or deleted",
    description=IMMUTABLE_DETAIL,
)
def journal_entry_change_refused(request: HttpRequest, entry_id: str) -> HttpResponse:
    # Nothing is looked up: the answer is the same for every entry, known or not.
    response = JsonResponse(
        {"detail": IMMUTABLE_DETAIL, "code": "immutable", "corrections": "POST corrections"},
        status=405,
    )
    response["Allow"] = "GET"
    return response


@router.post(
    "/journal/{entry_id}/corrections",
    response={201: JournalEntryDetailOut},
    summary="Correct an entry: a new version with a reason",
    description="`entry_id` must be the newest version (409 `already_corrected` otherwise). "
    "The corrected text needs a `reason`; the earlier versions stay readable.",
)
def journal_entry_correction_create(
    request: ApiRequest, entry_id: uuid.UUID, payload: CorrectionIn
) -> tuple[int, JournalEntryDetailOut]:
    entry = _entry_row(request, entry_id, Perm.RECORD_WRITE, Action.VIEW)
    new = journal_entry_correct(
        actor=request.auth,
        entry=entry,
        text=payload.text,
        reason=payload.reason,
        title=payload.title,
        channel=Channel.API,
    )
    return 201, _detail(new)


@router.post(
    "/journal/{entry_id}/sign",
    response={201: JournalEntryDetailOut},
    summary="Sign (approve) an entry",
    description="Only the responsible clinician (403 `not_responsible`), only the newest "
    "version (409 `not_current`), once (409 `already_signed`). Roles that may not sign get 403.",
)
def journal_entry_sign_create(
    request: ApiRequest, entry_id: uuid.UUID
) -> tuple[int, JournalEntryDetailOut]:
    entry = _entry_row(request, entry_id, Perm.RECORD_SIGN, Action.VIEW)
    journal_entry_sign(actor=request.auth, entry=entry, channel=Channel.API)
    return 201, _detail(entry)
