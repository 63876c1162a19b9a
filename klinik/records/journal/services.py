"""Writes to the journal and contacts.

The record's other areas (clinical, documents, dictation) have their own services; each checks
and logs a write with records.access.record_write_begin, in its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinik.audit.choices import Action, Channel
from klinik.core.models import Membership, Unit, User
from klinik.core.policy import ROLE_PERMISSIONS, Actor, Perm, require
from klinik.patients.models import Patient
from klinik.records.access import access_record, record_write_begin
from klinik.records.choices import ContactKind, DictationStatus, EntryType
from klinik.records.errors import RecordCode, RecordError
from klinik.records.hooks import contact_closed, dictations_done
from klinik.records.models import (
    Contact,
    Dictation,
    JournalDraft,
    JournalEntry,
    JournalSignature,
)

TEXT_MAX = 100_000

TEXT_REQUIRED = _("Write the text of the entry.")
TEXT_TOO_LONG = _("The text is too long (at most 100,000 characters).")
TYPE_UNKNOWN = _("Unknown type of entry.")
REASON_REQUIRED = _("Give the reason for the correction.")
ALREADY_CORRECTED = _(
    "This version has already been corrected; open the newest version and correct that."
)
ALREADY_SIGNED = _("The entry is already signed.")
NOT_CURRENT = _("Only the newest version of an entry can be signed.")
NOT_RESPONSIBLE = _("Only the responsible clinician can sign this entry.")
NO_UNIT = _("Choose the unit you are working in before writing in the record.")
FUTURE_TIME = _("The time cannot be in the future.")
CONTACT_OTHER_PATIENT = _("The contact belongs to another patient.")
CORRECTS_OTHER_PATIENT = _("The entry to correct belongs to another patient.")
CONTACT_CLOSED = _("The contact is already closed.")
SIGNING_ROLES = [role for role, perms in ROLE_PERMISSIONS.items() if Perm.RECORD_SIGN in perms]

RESPONSIBLE_NOT_SIGNER = _("The responsible person must be a clinician who may sign entries.")


def _unit_for(actor: Actor, patient: Patient, contact: Contact | None) -> Unit:
    if contact is not None:
        return contact.unit
    if actor.unit is not None and actor.unit.organisation_id == patient.organisation_id:
        return actor.unit
    if patient.unit is not None:
        return patient.unit
    raise RecordError(NO_UNIT, code=RecordCode.NO_UNIT)


def _clean_text(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise RecordError(TEXT_REQUIRED, code=RecordCode.TEXT_REQUIRED, field="text")
    if len(text) > TEXT_MAX:
        raise RecordError(TEXT_TOO_LONG, code=RecordCode.TEXT_TOO_LONG, field="text")
    return text


def _check_contact(contact: Contact | None, patient: Patient) -> None:
    if contact is not None and contact.patient_id != patient.pk:
        raise RecordError(CONTACT_OTHER_PATIENT, code=RecordCode.CONTACT_PATIENT, field="contact")


def _check_responsible(responsible: User | None, patient: Patient) -> None:
    """The responsible clinician must hold a signing role in the patient's organisation."""
    if responsible is None:
        return
    if not Membership.objects.filter(
        user=responsible,
        organisation_id=patient.organisation_id,
        role__in=SIGNING_ROLES,
        is_active=True,
    ).exists():
        raise RecordError(RESPONSIBLE_NOT_SIGNER, code=RecordCode.RESPONSIBLE, field="responsible")


def _sign_if_signer(actor: Actor, entry: JournalEntry) -> None:
    if not entry.needs_signature:
        JournalSignature.objects.create(
            organisation_id=entry.organisation_id, entry=entry, signed_by=actor.user
        )


@dataclass(frozen=True)
class EntryDraft:
    """What a new entry says; the service decides the rest (unit, author, versions)."""

    entry_type: str
    text: str
    title: str = ""
    contact: Contact | None = None
    responsible: User | None = None
    occurred_at: datetime | None = None


def _new_entry(actor: Actor, patient: Patient, draft: EntryDraft) -> JournalEntry:
    if draft.entry_type not in EntryType.values:
        raise RecordError(TYPE_UNKNOWN, code=RecordCode.TYPE_UNKNOWN, field="type")
    _check_contact(draft.contact, patient)
    _check_responsible(draft.responsible, patient)
    now = timezone.now()
    occurred_at = draft.occurred_at or now
    if occurred_at > now + timedelta(minutes=5):
        raise RecordError(FUTURE_TIME, code=RecordCode.FUTURE, field="occurred_at")
    can_sign = actor.can(Perm.RECORD_SIGN)
    responsible = draft.responsible
    if responsible is None and draft.contact is not None:
        responsible = draft.contact.responsible
    if responsible is None and can_sign:
        responsible = actor.user
    entry = JournalEntry(
        organisation_id=patient.organisation_id,
        unit=_unit_for(actor, patient, draft.contact),
        patient=patient,
        contact=draft.contact,
        entry_type=draft.entry_type,
        title=(draft.title or "").strip()[:200],
        text=_clean_text(draft.text),
        author=actor.user,
        responsible=responsible,
        recorded_at=now,
        occurred_at=occurred_at,
        # A signer's own entry is signed as it is saved, unless someone else answers for it.
        needs_signature=not (can_sign and responsible == actor.user),
    )
    entry.save()
    return entry


def journal_entry_write(
    *,
    actor: Actor,
    patient: Patient,
    draft: EntryDraft,
    channel: Channel = Channel.UI,
    from_draft: JournalDraft | None = None,
) -> JournalEntry:
    """Save an entry to the record. From then on it is never changed or deleted.

    An entry by someone who may not sign (or that another clinician answers for) stays
    unapproved until signed. `from_draft` is the editor's draft, removed in the same transaction.
    """
    with transaction.atomic(durable=True):
        return journal_entry_create(
            actor=actor, patient=patient, draft=draft, channel=channel, from_draft=from_draft
        )


def journal_entry_create(
    *,
    actor: Actor,
    patient: Patient,
    draft: EntryDraft,
    channel: Channel = Channel.UI,
    from_draft: JournalDraft | None = None,
) -> JournalEntry:
    """journal_entry_write's body for services that save an entry as one step of their own
    transaction (the dictation queue sends a transcript for signing and moves its item in one
    commit). Not durable: call it inside the caller's `transaction.atomic(durable=True)`."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("journal_entry_create must run inside the caller's transaction")
    record_write_begin(actor=actor, patient=patient, channel=channel)
    entry = _new_entry(actor, patient, draft)
    _sign_if_signer(actor, entry)
    if from_draft is not None:
        JournalDraft.objects.filter(pk=from_draft.pk, author=actor.user).delete()
    return entry


def journal_entry_correct(
    *,
    actor: Actor,
    entry: JournalEntry,
    text: str,
    reason: str,
    title: str | None = None,
    channel: Channel = Channel.UI,
    from_draft: JournalDraft | None = None,
) -> JournalEntry:
    """Write a new version of `entry` (which must be the newest), linked to it with who, when
    and why. The original stays readable."""
    reason = (reason or "").strip()
    if not reason:
        raise RecordError(REASON_REQUIRED, code=RecordCode.REASON_REQUIRED, field="reason")
    try:
        with transaction.atomic(durable=True):
            patient = record_write_begin(
                actor=actor, patient=entry.patient, channel=channel, object_type="journal_entry"
            )
            _version_lock(entry)
            if JournalEntry.objects.filter(supersedes=entry).exists():
                raise RecordError(ALREADY_CORRECTED, code=RecordCode.ALREADY_CORRECTED)
            can_sign = actor.can(Perm.RECORD_SIGN)
            responsible = entry.responsible or (actor.user if can_sign else None)
            new = JournalEntry(
                organisation_id=entry.organisation_id,
                unit_id=entry.unit_id,
                patient=patient,
                contact_id=entry.contact_id,
                entry_type=entry.entry_type,
                title=(entry.title if title is None else title.strip())[:200],
                text=_clean_text(text),
                author=actor.user,
                responsible=responsible,
                occurred_at=entry.occurred_at,
                thread=entry.thread,
                version=entry.version + 1,
                supersedes=entry,
                correction_reason=reason[:300],
                needs_signature=not (can_sign and responsible == actor.user),
            )
            new.save()
            _sign_if_signer(actor, new)
            if from_draft is not None:
                JournalDraft.objects.filter(pk=from_draft.pk, author=actor.user).delete()
    except IntegrityError as exc:
        # Two corrections of the same version at once: the one-successor constraint decides.
        raise RecordError(ALREADY_CORRECTED, code=RecordCode.ALREADY_CORRECTED) from exc
    return new


def _version_lock(entry: JournalEntry) -> None:
    """Serialise correcting and signing one version: a signature never lands on a version that
    a concurrent correction has just superseded. A row lock reads; it changes nothing, so the
    append-only triggers do not fire (SQLite's write transactions are serial already)."""
    list(JournalEntry.objects.select_for_update().filter(pk=entry.pk).values_list("pk"))


def journal_entry_sign(
    *, actor: Actor, entry: JournalEntry, channel: Channel = Channel.UI
) -> JournalSignature:
    """Approve an entry. Adds a signature; the entry itself is untouched."""
    require(actor, Perm.RECORD_SIGN)
    try:
        with transaction.atomic(durable=True):
            access_record(
                actor=actor,
                patient_public_id=entry.patient.public_id,
                channel=channel,
                action=Action.UPDATE,
                perm=Perm.RECORD_SIGN,
                object_type="journal_signature",
            )
            _version_lock(entry)
            if JournalEntry.objects.filter(supersedes=entry).exists():
                raise RecordError(NOT_CURRENT, code=RecordCode.NOT_CURRENT)
            if JournalSignature.objects.filter(entry=entry).exists():
                raise RecordError(ALREADY_SIGNED, code=RecordCode.ALREADY_SIGNED)
            if entry.responsible_id is not None and entry.responsible_id != actor.user.pk:
                raise RecordError(NOT_RESPONSIBLE, code=RecordCode.NOT_RESPONSIBLE)
            signature = JournalSignature.objects.create(
                organisation_id=entry.organisation_id, entry=entry, signed_by=actor.user
            )
            # A transcript signed by its clinician finishes the dictation.
            finishing = Dictation.objects.filter(entry=entry, status=DictationStatus.FOR_SIGNING)
            finished = [str(key) for key in finishing.values_list("public_id", flat=True)]
            finishing.update(status=DictationStatus.DONE, completed_at=signature.signed_at)
            dictations_done(actor, finished)
    except IntegrityError as exc:
        raise RecordError(ALREADY_SIGNED, code=RecordCode.ALREADY_SIGNED) from exc
    return signature


# Drafts ------------------------------------------------------------------------------------------


def journal_draft_save(
    *,
    actor: Actor,
    patient: Patient,
    draft: JournalDraft | None = None,
    channel: Channel = Channel.UI,
    **fields: Any,
) -> JournalDraft:
    """Create or autosave the author's own draft. Drafts are not part of the record and are
    visible to their author only. `fields`: entry_type, title, text, contact, responsible,
    corrects."""
    allowed = {"entry_type", "title", "text", "contact", "responsible", "corrects"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown draft fields: {sorted(unknown)}")
    if "entry_type" in fields and fields["entry_type"] not in EntryType.values:
        raise RecordError(TYPE_UNKNOWN, code=RecordCode.TYPE_UNKNOWN, field="type")
    if len(fields.get("text") or "") > TEXT_MAX:
        raise RecordError(TEXT_TOO_LONG, code=RecordCode.TEXT_TOO_LONG, field="text")
    _check_contact(fields.get("contact"), patient)
    corrects = fields.get("corrects")
    if corrects is not None and corrects.patient_id != patient.pk:
        raise RecordError(
            CORRECTS_OTHER_PATIENT, code=RecordCode.CORRECTS_PATIENT, field="corrects"
        )
    with transaction.atomic(durable=True):
        record_write_begin(
            actor=actor,
            patient=patient,
            channel=channel,
            action=Action.UPDATE if draft else Action.CREATE,
            object_type="journal_draft",
        )
        if draft is None:
            draft = JournalDraft(
                organisation_id=patient.organisation_id,
                unit=_unit_for(actor, patient, fields.get("contact")),
                patient=patient,
                author=actor.user,
            )
        elif draft.author_id != actor.user.pk or draft.patient_id != patient.pk:
            raise RecordError(_("This draft is not yours."), code=RecordCode.DRAFT_OWNER)
        for name, value in fields.items():
            setattr(draft, name, value)
        draft.save()
    return draft


def journal_draft_discard(*, actor: Actor, draft: JournalDraft) -> None:
    if draft.author_id != actor.user.pk:
        raise RecordError(_("This draft is not yours."), code=RecordCode.DRAFT_OWNER)
    with transaction.atomic(durable=True):
        JournalDraft.objects.filter(pk=draft.pk).delete()


# Contacts ----------------------------------------------------------------------------------------


def contact_open(
    *,
    actor: Actor,
    patient: Patient,
    kind: str,
    unit: Unit | None = None,
    started_at: datetime | None = None,
    responsible: User | None = None,
    reason: str = "",
    channel: Channel = Channel.UI,
) -> Contact:
    """Open a contact that is not an appointment: a phone call, video or written contact, or an
    unbooked visit."""
    if kind not in ContactKind.values:
        raise RecordError(_("Unknown kind of contact."), code=RecordCode.KIND_UNKNOWN, field="kind")
    _check_responsible(responsible, patient)
    with transaction.atomic(durable=True):
        record_write_begin(actor=actor, patient=patient, channel=channel, object_type="contact")
        return Contact.objects.create(
            organisation_id=patient.organisation_id,
            unit=unit or _unit_for(actor, patient, None),
            patient=patient,
            kind=kind,
            reason=reason.strip()[:200],
            started_at=started_at or timezone.now(),
            responsible=responsible or (actor.user if actor.can(Perm.RECORD_SIGN) else None),
            created_by=actor.user,
        )


def contact_close(
    *,
    actor: Actor,
    contact: Contact,
    ended_at: datetime | None = None,
    channel: Channel = Channel.UI,
) -> Contact:
    with transaction.atomic(durable=True):
        record_write_begin(
            actor=actor,
            patient=contact.patient,
            channel=channel,
            action=Action.UPDATE,
            object_type="contact",
        )
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if locked.ended_at is not None:
            raise RecordError(CONTACT_CLOSED, code=RecordCode.CONTACT_CLOSED)
        locked.ended_at = max(ended_at or timezone.now(), locked.started_at)
        locked.save(update_fields=["ended_at"])
        contact_closed(locked, actor)
    return locked
