"""Reads of the record. Callers pass a patient they got through records.access (which checks
and logs); selectors only read, scoped to the patient's organisation.

The journal part: the timeline (current versions, newest first, keyset-paginated), the versions
of one entry, the signing queue, the author's drafts, contacts and the filter choices.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils.translation import gettext_lazy as _

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.core.models import Membership, Unit, User
from klinik.core.policy import ROLE_PERMISSIONS, Actor, Perm
from klinik.patients.models import Patient
from klinik.records.choices import EntryType
from klinik.records.errors import RecordCode, RecordError
from klinik.records.models import Contact, JournalDraft, JournalEntry, JournalSignature

LOCAL = ZoneInfo("Europe/Copenhagen")
# Roles that may sign (RECORD_SIGN), from the one role → permission map.
SIGNING_ROLES = [role for role, perms in ROLE_PERMISSIONS.items() if Perm.RECORD_SIGN in perms]
TIMELINE_LIMIT = 50
TIMELINE_MAX_LIMIT = 200
TO_SIGN_LIMIT = 100

CURSOR_INVALID = _("The page marker is not valid; start again from the newest entries.")
FILTER_INVALID = _("Unknown filter value.")
CONTACT_UNKNOWN = _("Unknown contact for this patient.")
RESPONSIBLE_UNKNOWN = _("The responsible person must be a clinician who may sign entries.")
LIMIT_INVALID = _("The page size must be between 1 and 200.")


def user_display_name(user: User | None) -> str:
    """How staff are named in the record: full name, else the username."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def entry_signature(entry: JournalEntry) -> JournalSignature | None:
    """The entry's signature, or None while it is unapproved (no query when select_related)."""
    try:
        return entry.signature
    except JournalSignature.DoesNotExist:
        return None


# Cursor ------------------------------------------------------------------------------------------


def timeline_cursor(entry: JournalEntry) -> str:
    """An opaque page marker: the entry's clinical time and row id, nothing about the patient."""
    micros = int(entry.occurred_at.timestamp() * 1_000_000)
    raw = f"{micros}.{entry.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def timeline_cursor_parse(cursor: str) -> tuple[datetime, int]:
    """(occurred_at, id) of a marker made by timeline_cursor; RecordError when malformed."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        micros, pk = base64.urlsafe_b64decode(padded.encode()).decode().split(".")
        moment = datetime.fromtimestamp(0, tz=UTC) + timedelta(microseconds=int(micros))
        return moment, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError) as exc:
        raise RecordError(CURSOR_INVALID, code=RecordCode.CURSOR_INVALID, field="before") from exc


# Timeline ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineItem:
    """One entry on the timeline with what the page shows beside it."""

    entry: JournalEntry
    author_name: str
    unit_name: str
    contact: Contact | None
    signature: JournalSignature | None  # None: unapproved
    signed_by_name: str
    version_count: int  # versions of the entry's thread
    is_current: bool

    @property
    def is_signed(self) -> bool:
        return self.signature is not None

    @property
    def signed_at(self) -> datetime | None:
        return self.signature.signed_at if self.signature else None

    @property
    def is_corrected(self) -> bool:
        """The entry has more than one version (this one corrects an earlier one, or has
        been corrected itself)."""
        return self.version_count > 1

    @property
    def needs_signature(self) -> bool:
        return self.entry.needs_signature and self.signature is None


@dataclass(frozen=True)
class TimelinePage:
    items: list[TimelineItem]
    next_cursor: str | None  # pass as `before` for the next (older) page; None at the end

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


def _day_start(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0), tzinfo=LOCAL)


def _day_end(value: date) -> datetime:
    """`until` is inclusive: a date means up to the end of that local day."""
    return datetime.combine(value + timedelta(days=1), time(0), tzinfo=LOCAL)


_PERSON_FIELDS = ("id", "public_id", "username", "first_name", "last_name")
# Only what is shown: the users' other columns (password hash, login state) are neither needed
# nor wanted here, and fewer columns mean less work building a page's model instances.
_DISPLAY_FIELDS = (
    *(f.name for f in JournalEntry._meta.concrete_fields),
    *(
        f"contact__{name}"
        for name in (
            "id", "public_id", "unit_id", "patient_id", "organisation_id", "kind", "reason",
            "started_at", "ended_at", "responsible_id",
        )
    ),
    *(f"signature__{n}" for n in ("id", "organisation_id", "entry", "signed_by", "signed_at")),
    *(f"unit__{name}" for name in ("id", "public_id", "name", "organisation_id")),
)  # fmt: skip


def _is_superseded() -> Exists:
    return Exists(JournalEntry.objects.filter(supersedes=OuterRef("pk")))


def _with_display(entries: QuerySet[JournalEntry]) -> QuerySet[JournalEntry]:
    """The entries with their unit, contact and signature joined and the public id of the
    version each corrects. The people come from `_attach_people` (one more query): joining the
    user table three times as well makes PostgreSQL's planner search join orders for longer
    than the query takes to run (40 ms against 0.5 ms at 2,000 entries)."""
    return (
        entries.select_related("unit", "contact", "signature")
        .only(*_DISPLAY_FIELDS)
        .annotate(
            supersedes_public_id=Subquery(
                JournalEntry.objects.filter(pk=OuterRef("supersedes_id")).values("public_id")[:1]
            )
        )
    )


def _attach_people(entries: list[JournalEntry]) -> list[JournalEntry]:
    """Set author, responsible and the signer on each entry: one query, whatever the number
    of entries."""
    if not entries:
        return entries
    signatures = [s for s in (entry_signature(e) for e in entries) if s is not None]
    user_ids = {e.author_id for e in entries} | {s.signed_by_id for s in signatures}
    user_ids |= {e.responsible_id for e in entries if e.responsible_id is not None}
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids).only(*_PERSON_FIELDS)}
    for entry in entries:
        entry.author = users[entry.author_id]
        entry.responsible = users.get(entry.responsible_id) if entry.responsible_id else None
    for signature in signatures:
        signature.signed_by = users[signature.signed_by_id]
    return entries


def _timeline_queryset(patient: Patient) -> QuerySet[JournalEntry]:
    return _with_display(
        JournalEntry.objects.filter(organisation_id=patient.organisation_id, patient_id=patient.pk)
    )


def _as_item(entry: JournalEntry, version_count: int, is_current: bool) -> TimelineItem:
    signature = entry_signature(entry)
    return TimelineItem(
        entry=entry,
        author_name=user_display_name(entry.author),
        unit_name=entry.unit.name,
        contact=entry.contact,
        signature=signature,
        signed_by_name=user_display_name(signature.signed_by) if signature else "",
        version_count=version_count,
        is_current=is_current,
    )


def journal_timeline(
    *,
    patient: Patient,
    entry_types: Iterable[str] | None = None,
    unit_ids: Iterable[uuid.UUID | str] | None = None,
    author_ids: Iterable[uuid.UUID | str] | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    include_superseded: bool = False,
    before: str | None = None,
    limit: int = TIMELINE_LIMIT,
) -> TimelinePage:
    """The patient's journal, newest first by (occurred_at, id), one page at a time.

    Current versions only unless `include_superseded`. `unit_ids` and `author_ids` are public
    ids (as in URLs); `since`/`until` are dates (local days, inclusive) or datetimes; `before`
    is the `next_cursor` of the previous page. Two queries per page, whatever its size.
    """
    if not 1 <= limit <= TIMELINE_MAX_LIMIT:
        raise RecordError(LIMIT_INVALID, code=RecordCode.LIMIT_INVALID, field="limit")
    entries = _timeline_queryset(patient)
    if include_superseded:
        entries = entries.annotate(
            is_superseded=_is_superseded(),
            thread_versions=Subquery(
                JournalEntry.objects.filter(thread=OuterRef("thread"))
                .values("thread")
                .annotate(top=Max("version"))
                .values("top"),
                output_field=IntegerField(),
            ),
        )
    else:
        # NOT EXISTS, not a LEFT JOIN ... IS NULL: PostgreSQL then estimates the rows right and
        # walks the timeline index in order, stopping after one page.
        entries = entries.filter(~_is_superseded())
    entries = _timeline_filtered(
        entries,
        patient,
        entry_types=entry_types,
        unit_ids=unit_ids,
        author_ids=author_ids,
        since=since,
        until=until,
    )
    if before:
        moment, pk = timeline_cursor_parse(before)
        entries = entries.filter(Q(occurred_at__lt=moment) | Q(occurred_at=moment, pk__lt=pk))
    rows = list(entries.order_by("-occurred_at", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = _attach_people(rows[:limit])
    items = []
    for entry in rows:
        if include_superseded:
            is_current = not entry.is_superseded  # type: ignore[attr-defined]  # annotated above
            versions = entry.thread_versions or entry.version  # type: ignore[attr-defined]
            items.append(_as_item(entry, versions, is_current))
        else:
            # Versions of a thread are 1..n and the current one is n.
            items.append(_as_item(entry, entry.version, True))
    return TimelinePage(items=items, next_cursor=timeline_cursor(rows[-1]) if more else None)


def _timeline_filtered(
    entries: QuerySet[JournalEntry],
    patient: Patient,
    *,
    entry_types: Iterable[str] | None,
    unit_ids: Iterable[uuid.UUID | str] | None,
    author_ids: Iterable[uuid.UUID | str] | None,
    since: date | datetime | None,
    until: date | datetime | None,
) -> QuerySet[JournalEntry]:
    """The timeline's filters (see journal_timeline); RecordError for an unknown value."""
    if entry_types:
        types = [t for t in entry_types if t]
        unknown = sorted(set(types) - set(EntryType.values))
        if unknown:
            raise RecordError(
                _("Unknown type of entry."), code=RecordCode.TYPE_UNKNOWN, field="type"
            )
        if types:
            entries = entries.filter(entry_type__in=types)
    if unit_ids:
        units = Unit.objects.filter(
            organisation_id=patient.organisation_id, public_id__in=_uuids(unit_ids, "unit")
        )
        entries = entries.filter(unit_id__in=Subquery(units.values("id")))
    if author_ids:
        authors = User.objects.filter(public_id__in=_uuids(author_ids, "author"))
        entries = entries.filter(author_id__in=Subquery(authors.values("id")))
    if since is not None:
        entries = entries.filter(occurred_at__gte=_day_start(since))
    if until is not None:
        if isinstance(until, datetime):
            entries = entries.filter(occurred_at__lte=until)
        else:
            entries = entries.filter(occurred_at__lt=_day_end(until))
    return entries


def _uuids(values: Iterable[uuid.UUID | str], field: str) -> list[uuid.UUID]:
    result = []
    for value in values:
        if not value:
            continue
        try:
            result.append(uuid.UUID(str(value)))
        except ValueError as exc:
            raise RecordError(FILTER_INVALID, code=RecordCode.FILTER_INVALID, field=field) from exc
    return result


# One entry ---------------------------------------------------------------------------------------


def journal_entry_versions(*, entry: JournalEntry) -> list[JournalEntry]:
    """Every version of the entry's thread, oldest first, with author, unit and signature
    loaded (use `entry_signature`). Two queries."""
    return _attach_people(
        list(
            _with_display(
                JournalEntry.objects.filter(
                    organisation_id=entry.organisation_id, thread=entry.thread
                )
            ).order_by("version")
        )
    )


def journal_entry_is_current(*, entry: JournalEntry) -> bool:
    return not JournalEntry.objects.filter(supersedes=entry).exists()


def journal_contact_for_entry(*, patient: Patient, public_id: uuid.UUID | str) -> Contact:
    """The patient's contact by public id, to write an entry on; RecordError naming the field
    `contact` for anything else (missing, another patient's, another organisation's)."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        key = None
    contact = (
        Contact.objects.filter(
            public_id=key, organisation_id=patient.organisation_id, patient_id=patient.pk
        )
        .select_related("unit", "responsible")
        .first()
        if key
        else None
    )
    if contact is None:
        raise RecordError(CONTACT_UNKNOWN, code=RecordCode.CONTACT_UNKNOWN, field="contact")
    return contact


def journal_signer(*, patient: Patient, public_id: uuid.UUID | str) -> User:
    """A user who may sign in the patient's organisation, by public id; RecordError naming
    the field `responsible` otherwise."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        key = None
    user = (
        User.objects.filter(
            public_id=key,
            is_active=True,
            memberships__organisation_id=patient.organisation_id,
            memberships__role__in=SIGNING_ROLES,
            memberships__is_active=True,
        ).first()
        if key
        else None
    )
    if user is None:
        raise RecordError(RESPONSIBLE_UNKNOWN, code=RecordCode.RESPONSIBLE, field="responsible")
    return user


# Work lists --------------------------------------------------------------------------------------


def _waiting_for(actor: Actor) -> QuerySet[JournalEntry]:
    mine = Q(responsible=actor.user)
    if actor.can(Perm.RECORD_SIGN):
        mine |= Q(responsible__isnull=True)
    return JournalEntry.objects.filter(
        mine,
        ~Exists(JournalSignature.objects.filter(entry=OuterRef("pk"))),
        ~_is_superseded(),
        organisation_id__in=actor.organisation_ids,
        needs_signature=True,
    )


def journal_to_sign(
    *, actor: Actor, limit: int = TO_SIGN_LIMIT, channel: Channel = Channel.UI
) -> list[JournalEntry]:
    """Current, unapproved entries waiting for the actor's signature, oldest first: those the
    actor answers for, and — when the actor may sign — those with no responsible clinician in
    the actor's organisations. Patient, author and unit loaded. The rows name patients: the
    list is one access-log entry (ADR 0015)."""
    if not actor.organisation_ids:
        return []
    entries = list(
        _waiting_for(actor)
        .select_related("patient", "author", "unit")
        .order_by("recorded_at", "id")[:limit]
    )
    patient_list_log(actor, "signing_queue", len(entries), channel)
    return entries


def journal_waiting_for(*, actor: Actor) -> QuerySet[JournalEntry]:
    """The entries `journal_to_sign` lists, unordered and unloaded: for counts and the work
    queue's signing kind (whose page the queue logs)."""
    return _waiting_for(actor)


def journal_to_sign_count(*, actor: Actor) -> int:
    if not actor.organisation_ids:
        return 0
    return _waiting_for(actor).count()


def journal_drafts(*, actor: Actor, patient: Patient) -> list[JournalDraft]:
    """The actor's own drafts for this patient, newest first. Drafts are private."""
    return list(
        JournalDraft.objects.filter(
            organisation_id=patient.organisation_id, patient_id=patient.pk, author=actor.user
        )
        .select_related("corrects", "contact")
        .order_by("-updated_at", "-id")
    )


def journal_draft_of(*, actor: Actor, patient: Patient, public_id: uuid.UUID | str) -> JournalDraft:
    """One of the actor's drafts for this patient; RecordError(draft_missing) for anything else
    (missing, someone else's, another patient's)."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        key = None
    draft = (
        JournalDraft.objects.filter(
            public_id=key,
            organisation_id=patient.organisation_id,
            patient_id=patient.pk,
            author=actor.user,
        ).first()
        if key
        else None
    )
    if draft is None:
        raise RecordError(_("The draft no longer exists."), code=RecordCode.DRAFT_MISSING)
    return draft


def contacts_of_patient(*, patient: Patient, limit: int | None = None) -> list[Contact]:
    """The patient's contacts, newest first, with unit and responsible loaded and
    `entry_count` (entries written on the contact, all versions) annotated."""
    contacts = (
        Contact.objects.filter(organisation_id=patient.organisation_id, patient_id=patient.pk)
        .select_related("unit", "responsible")
        .annotate(entry_count=Count("entries"))
        .order_by("-started_at", "-id")
    )
    return list(contacts[:limit] if limit else contacts)


def contacts_open(*, patient: Patient) -> list[Contact]:
    """Open contacts of the patient (choices for a new entry), newest first."""
    return list(
        Contact.objects.filter(
            organisation_id=patient.organisation_id, patient_id=patient.pk, ended_at__isnull=True
        )
        .select_related("unit", "responsible")
        .order_by("-started_at", "-id")
    )


def journal_signers(*, organisation_id: int) -> list[User]:
    """Active staff of the organisation who may sign entries (a signing role), by name: the
    choices for an entry's or a contact's responsible clinician."""
    return list(
        User.objects.filter(
            pk__in=Membership.objects.filter(
                organisation_id=organisation_id, role__in=SIGNING_ROLES, is_active=True
            ).values("user_id"),
            is_active=True,
        ).order_by("first_name", "last_name", "username")
    )


# Age of the entries still waiting for approval: (label key, lower bound in days inclusive).
UNSIGNED_AGE_BANDS = ((0, 2), (3, 7), (8, 30), (31, None))


def journal_unsigned_ages(*, unit: Unit, at: datetime) -> list[int]:
    """How many of the unit's entries waited for approval at the moment `at`, by age
    (UNSIGNED_AGE_BANDS: 0-2 days, 3-7, 8-30, over 30): recorded by then, neither signed nor
    corrected by then. One aggregate query; counts only."""
    waiting = JournalEntry.objects.filter(
        ~Exists(JournalSignature.objects.filter(entry=OuterRef("pk"), signed_at__lte=at)),
        ~Exists(JournalEntry.objects.filter(supersedes=OuterRef("pk"), recorded_at__lte=at)),
        organisation_id=unit.organisation_id,
        unit_id=unit.pk,
        needs_signature=True,
        recorded_at__lte=at,
    )
    bands = {}
    for low, high in UNSIGNED_AGE_BANDS:
        within = Q(recorded_at__lte=at - timedelta(days=low))
        if high is not None:
            within &= Q(recorded_at__gt=at - timedelta(days=high + 1))
        bands[f"band{low}"] = Count("id", filter=within)
    counted = waiting.aggregate(**bands)
    return [counted[f"band{low}"] or 0 for low, _high in UNSIGNED_AGE_BANDS]
