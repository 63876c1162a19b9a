"""Writes of the dictation queue: a clinician dictates (uploads or records audio, or types a
draft), a secretary takes the item, transcribes it beside a player and sends it for signing;
the clinician's signature finishes it (journal_entry_sign marks the dictation done).

Taking is one conditional UPDATE (status waiting → in progress), so two secretaries can never
hold the same item. Sending for signing saves the journal entry and moves the item in one
transaction. Reads go through `dictation_access` (records.access: logged) and selectors.py;
writes through the services here, which log through record_write_begin.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import IO

import holidays
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from klinik.audit.choices import Action, Channel
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.patients.models import Patient
from klinik.records.access import record_write_begin
from klinik.records.choices import DictationPriority, DictationStatus, EntryType
from klinik.records.dictation.selectors import OPEN_STATUSES
from klinik.records.documents.services import document_create
from klinik.records.documents.storage import files_removed_on_failure
from klinik.records.documents.uploads import AUDIO_KINDS, upload_check
from klinik.records.errors import RecordCode, RecordError
from klinik.records.hooks import dictations_done
from klinik.records.journal.services import NO_UNIT, TEXT_MAX, EntryDraft, journal_entry_create
from klinik.records.models import Dictation, JournalEntry

URGENT_HOURS = 4
WORKING_DAYS = {DictationPriority.NORMAL: 2, DictationPriority.LOW: 5}
INSTRUCTIONS_MAX = 300
DURATION_MAX_SECONDS = 6 * 3600

CONTENT_REQUIRED = _("Upload or record the dictation, or type a draft.")
PRIORITY_UNKNOWN = _("Unknown priority.")
DEADLINE_PAST = _("The deadline must be in the future.")
INSTRUCTIONS_TOO_LONG = _("The instructions are too long (at most 300 characters).")
ALREADY_TAKEN = _("Someone else has already taken this dictation.")
NOT_WAITING = _("This dictation is no longer waiting in the queue.")
NOT_TAKEN = _("You have not taken this dictation. Take it from the queue first.")
NOT_OPEN = _("This dictation has already been sent for signing or cancelled.")
NOT_AUTHOR = _("Only the clinician who dictated can cancel the dictation.")
CANCEL_REASON_REQUIRED = _("Give the reason for cancelling.")
AUDIO_TITLE = _("Dictation %(time)s")


# Deadlines ---------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DK", years=[year]))


def _is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def dictation_deadline_default(*, priority: str, now: datetime | None = None) -> datetime:
    """Urgent: four hours from now. Normal: two working days. Low: five working days (same
    time of day; weekends and Danish public holidays are not working days)."""
    now = now or timezone.now()
    if priority == DictationPriority.URGENT:
        return now + timedelta(hours=URGENT_HOURS)
    local = timezone.localtime(now)
    day, counted = local.date(), 0
    while counted < WORKING_DAYS[DictationPriority(priority)]:
        day += timedelta(days=1)
        counted += _is_working_day(day)
    return timezone.make_aware(datetime.combine(day, local.time().replace(tzinfo=None)))


# Writes ------------------------------------------------------------------------------------------


def _unit_for(actor: Actor, patient: Patient) -> Unit:
    if actor.unit is not None and actor.unit.organisation_id == patient.organisation_id:
        return actor.unit
    if patient.unit is not None:
        return patient.unit
    raise RecordError(NO_UNIT, code=RecordCode.NO_UNIT)


# The instruction that sends the signed transcript to the patient's own GP (the checkbox on the
# dictation form writes it; correspondence listens on records.hooks.DICTATION_DONE).
COPY_TO_GP = "Kopi til egen læge"


def instructions_with_copy(instructions: str, *, copy_to_gp: bool) -> str:
    instructions = (instructions or "").strip()
    if not copy_to_gp or COPY_TO_GP.lower() in instructions.lower():
        return instructions
    return f"{COPY_TO_GP}. {instructions}".strip() if instructions else COPY_TO_GP


def has_copy_to_gp(instructions: str) -> bool:
    return COPY_TO_GP.lower() in (instructions or "").lower()


def _texts_clean(*, priority: str, text: str, instructions: str) -> tuple[str, str]:
    """A new dictation's typed draft and instructions, cleaned; RecordError for an unknown
    priority or a text past its limit."""
    if priority not in DictationPriority.values:
        raise RecordError(PRIORITY_UNKNOWN, code=RecordCode.PRIORITY_UNKNOWN, field="priority")
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > TEXT_MAX:
        raise RecordError(
            _("The text is too long (at most 100,000 characters)."),
            code=RecordCode.TEXT_TOO_LONG,
            field="text",
        )
    instructions = " ".join((instructions or "").split())
    if len(instructions) > INSTRUCTIONS_MAX:
        raise RecordError(
            INSTRUCTIONS_TOO_LONG, code=RecordCode.INSTRUCTIONS_TOO_LONG, field="instructions"
        )
    return text, instructions


def dictation_create(
    *,
    actor: Actor,
    patient: Patient,
    audio: IO[bytes] | None = None,
    text: str = "",
    priority: str = DictationPriority.NORMAL,
    deadline: datetime | None = None,
    instructions: str = "",
    duration_seconds: int | None = None,
    channel: Channel = Channel.UI,
) -> Dictation:
    """A clinician's dictation for the unit's secretaries: audio (checked like any document,
    stored with the patient's documents), a typed draft, or both."""
    require(actor, Perm.RECORD_SIGN)
    text, instructions = _texts_clean(priority=priority, text=text, instructions=instructions)
    if audio is None and not text:
        raise RecordError(CONTENT_REQUIRED, code=RecordCode.CONTENT_REQUIRED, field="audio")
    checked = upload_check(upload=audio, kinds=AUDIO_KINDS, field="audio") if audio else None
    now = timezone.now()
    if deadline is None:
        deadline = dictation_deadline_default(priority=priority, now=now)
    elif deadline <= now:
        raise RecordError(DEADLINE_PAST, code=RecordCode.DEADLINE_PAST, field="deadline")
    if checked is not None and checked.duration_seconds is not None:
        duration_seconds = checked.duration_seconds
    elif duration_seconds is not None and not 0 < duration_seconds <= DURATION_MAX_SECONDS:
        duration_seconds = None  # the recorder's estimate, kept only when plausible
    with files_removed_on_failure() as written, transaction.atomic(durable=True):
        patient = record_write_begin(
            actor=actor, patient=patient, channel=channel, object_type="dictation"
        )
        document = None
        if audio is not None and checked is not None:
            stamp = date_format(timezone.localtime(now), "d.m.Y H:i")
            document = document_create(
                actor=actor,
                patient=patient,
                upload=audio,
                checked=checked,
                title=str(AUDIO_TITLE) % {"time": stamp},
                written=written,
            )
        return Dictation.objects.create(
            organisation_id=patient.organisation_id,
            unit=_unit_for(actor, patient),
            patient=patient,
            author=actor.user,
            priority=priority,
            deadline=deadline,
            audio=document,
            duration_seconds=duration_seconds,
            instructions=instructions,
            text=text,
            created_at=now,
        )


def _write_begin(actor: Actor, dictation: Dictation, channel: Channel) -> None:
    record_write_begin(
        actor=actor,
        patient=dictation.patient,
        channel=channel,
        action=Action.UPDATE,
        object_type="dictation",
    )


def _refused_state(dictation: Dictation, actor: Actor) -> RecordError:
    """Why a conditional update found nothing to change, read after the fact."""
    current = Dictation.objects.filter(pk=dictation.pk).values("status", "taken_by_id").first()
    status = current["status"] if current else None
    if (
        current
        and current["status"] == DictationStatus.IN_PROGRESS
        and current["taken_by_id"] != actor.user.pk
    ):
        return RecordError(ALREADY_TAKEN, code=RecordCode.ALREADY_TAKEN)
    if status in OPEN_STATUSES:
        return RecordError(NOT_TAKEN, code=RecordCode.NOT_TAKEN)
    return RecordError(NOT_OPEN, code=RecordCode.NOT_OPEN)


def dictation_take(
    *, actor: Actor, dictation: Dictation, channel: Channel = Channel.UI
) -> Dictation:
    """Take a waiting item. One conditional UPDATE decides between two secretaries taking the
    same item at once: the second finds it no longer waiting and is refused."""
    require(actor, Perm.RECORD_WRITE)
    now = timezone.now()
    with transaction.atomic(durable=True):
        _write_begin(actor, dictation, channel)
        taken = Dictation.objects.filter(pk=dictation.pk, status=DictationStatus.WAITING).update(
            status=DictationStatus.IN_PROGRESS, taken_by=actor.user, taken_at=now, updated_at=now
        )
    if not taken:
        error = _refused_state(dictation, actor)
        if error.code == RecordCode.NOT_TAKEN:  # it is in progress already (by this very actor)
            return Dictation.objects.get(pk=dictation.pk)
        if error.code == RecordCode.NOT_OPEN:
            raise RecordError(NOT_WAITING, code=RecordCode.NOT_WAITING)
        raise error
    return Dictation.objects.select_related("patient", "taken_by").get(pk=dictation.pk)


def dictation_text_save(
    *, actor: Actor, dictation: Dictation, text: str, channel: Channel = Channel.UI
) -> Dictation:
    """Autosave the transcript of an item the actor has taken."""
    text = (text or "").replace("\r\n", "\n")
    if len(text) > TEXT_MAX:
        raise RecordError(
            _("The text is too long (at most 100,000 characters)."),
            code=RecordCode.TEXT_TOO_LONG,
            field="text",
        )
    with transaction.atomic(durable=True):
        _write_begin(actor, dictation, channel)
        saved = Dictation.objects.filter(
            pk=dictation.pk, status=DictationStatus.IN_PROGRESS, taken_by=actor.user
        ).update(text=text, updated_at=timezone.now())
    if not saved:
        raise _refused_state(dictation, actor)
    dictation.text = text
    return dictation


def dictation_release(
    *,
    actor: Actor,
    dictation: Dictation,
    text: str | None = None,
    channel: Channel = Channel.UI,
) -> Dictation:
    """Put a taken item back in the queue (the transcript so far is kept)."""
    fields: dict[str, object] = {
        "status": DictationStatus.WAITING,
        "taken_by": None,
        "taken_at": None,
        "updated_at": timezone.now(),
    }
    if text is not None:
        fields["text"] = text.replace("\r\n", "\n")[:TEXT_MAX]
    with transaction.atomic(durable=True):
        _write_begin(actor, dictation, channel)
        released = Dictation.objects.filter(
            pk=dictation.pk, status=DictationStatus.IN_PROGRESS, taken_by=actor.user
        ).update(**fields)
    if not released:
        raise _refused_state(dictation, actor)
    return Dictation.objects.get(pk=dictation.pk)


def dictation_cancel(
    *, actor: Actor, dictation: Dictation, reason: str, channel: Channel = Channel.UI
) -> Dictation:
    """The dictating clinician withdraws an item that has not been sent for signing."""
    if dictation.author_id != actor.user.pk:
        raise RecordError(NOT_AUTHOR, code=RecordCode.NOT_AUTHOR)
    reason = " ".join((reason or "").split())
    if not reason:
        raise RecordError(CANCEL_REASON_REQUIRED, code=RecordCode.REASON_REQUIRED, field="reason")
    now = timezone.now()
    with transaction.atomic(durable=True):
        _write_begin(actor, dictation, channel)
        cancelled = Dictation.objects.filter(
            pk=dictation.pk, author=actor.user, status__in=OPEN_STATUSES
        ).update(
            status=DictationStatus.CANCELLED,
            cancelled_by=actor.user,
            cancelled_at=now,
            cancel_reason=reason[:300],
            updated_at=now,
        )
    if not cancelled:
        raise RecordError(NOT_OPEN, code=RecordCode.NOT_OPEN)
    return Dictation.objects.get(pk=dictation.pk)


def dictation_send_for_signing(
    *, actor: Actor, dictation: Dictation, text: str, channel: Channel = Channel.UI
) -> JournalEntry:
    """Save the transcript to the record as a dictation entry answered for by the dictating
    clinician (unapproved until signed) and mark the item sent for signing — one transaction.
    When the clinician transcribes their own dictation the entry is signed at once and the
    item is done."""
    with transaction.atomic(durable=True):
        locked = (
            Dictation.objects.select_for_update()
            .select_related("patient", "author")
            .filter(pk=dictation.pk)
            .first()
        )
        if locked is None or locked.status not in OPEN_STATUSES:
            raise RecordError(NOT_OPEN, code=RecordCode.NOT_OPEN)
        if locked.status == DictationStatus.WAITING:
            raise RecordError(NOT_TAKEN, code=RecordCode.NOT_TAKEN)
        if locked.taken_by_id != actor.user.pk:
            raise RecordError(ALREADY_TAKEN, code=RecordCode.ALREADY_TAKEN)
        entry = journal_entry_create(
            actor=actor,
            patient=locked.patient,
            draft=EntryDraft(
                entry_type=EntryType.DICTATION,
                text=text,
                title=_gettext("Dictation"),
                responsible=locked.author,
                occurred_at=min(locked.created_at, timezone.now()),
            ),
            channel=channel,
        )
        now = timezone.now()
        locked.entry = entry
        locked.text = entry.text
        if entry.needs_signature:
            locked.status = DictationStatus.FOR_SIGNING
        else:
            locked.status = DictationStatus.DONE
            locked.completed_at = now
            dictations_done(actor, [str(locked.public_id)])
        locked.save(update_fields=["entry", "text", "status", "completed_at", "updated_at"])
    return entry
