"""The dictation queue's services and selectors: dictating, deadlines, the queue's order,
taking, transcribing, sending for signing in one transaction, signing, turnaround."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from klinik.audit.choices import Channel
from klinik.audit.models import AccessLogEntry
from klinik.records.access import dictation_access
from klinik.records.choices import (
    DictationPriority,
    DictationStatus,
    DocumentKind,
    EntryType,
)
from klinik.records.dictation.selectors import (
    dictation_queue,
    dictation_queue_summary,
    dictation_turnaround,
    dictation_waiting_count,
    percentile,
)
from klinik.records.dictation.services import (
    dictation_cancel,
    dictation_create,
    dictation_deadline_default,
    dictation_release,
    dictation_send_for_signing,
    dictation_take,
    dictation_text_save,
)
from klinik.records.errors import RecordError
from klinik.records.journal.services import journal_entry_sign
from klinik.records.models import Dictation, Document, JournalEntry, JournalSignature
from klinik.records.tests import document_files
from klinik.records.tests.document_files import pdf_bytes, stored_files, upload, wav_bytes

data_dir = document_files.data_dir  # the fixture: a private DATA_DIR per test
CPH = ZoneInfo("Europe/Copenhagen")


def _dictate(rw, text: str = "Diktat: kontrol af BT, uændret behandling.", **kwargs) -> Dictation:
    return dictation_create(
        actor=kwargs.pop("actor", rw.doctor_actor),
        patient=kwargs.pop("patient", rw.patient),
        text=text,
        **kwargs,
    )


def _taken(rw, **kwargs) -> Dictation:
    return dictation_take(actor=rw.secretary_actor, dictation=_dictate(rw, **kwargs))


# Deadlines ---------------------------------------------------------------------------------------


def test_urgent_deadline_is_four_hours():
    now = datetime(2026, 3, 4, 10, 0, tzinfo=CPH)
    assert dictation_deadline_default(priority=DictationPriority.URGENT, now=now) == now + (
        timedelta(hours=4)
    )


def test_normal_and_low_count_working_days_across_the_weekend():
    friday = datetime(2026, 3, 6, 14, 30, tzinfo=CPH)
    normal = dictation_deadline_default(priority=DictationPriority.NORMAL, now=friday)
    low = dictation_deadline_default(priority=DictationPriority.LOW, now=friday)
    assert timezone.localtime(normal).replace(tzinfo=None) == datetime(2026, 3, 10, 14, 30)  # noqa: DTZ001 - local wall time
    assert timezone.localtime(low).replace(tzinfo=None) == datetime(2026, 3, 13, 14, 30)  # noqa: DTZ001


def test_public_holidays_are_not_working_days():
    # Wednesday before Christmas: Thu 24th works, Fri 25th and the weekend do not.
    now = datetime(2026, 12, 23, 9, 0, tzinfo=CPH)
    normal = dictation_deadline_default(priority=DictationPriority.NORMAL, now=now)
    assert timezone.localtime(normal).date().isoformat() == "2026-12-28"


# Dictating ---------------------------------------------------------------------------------------


def test_doctor_dictates_audio_stored_as_a_document(record_world, data_dir):
    rw = record_world
    dictation = dictation_create(
        actor=rw.doctor_actor,
        patient=rw.patient,
        audio=upload("optagelse.wav", wav_bytes(seconds=3)),
        priority=DictationPriority.URGENT,
        instructions="Kopi til kommunen",
    )
    assert dictation.status == DictationStatus.WAITING
    assert dictation.author == rw.doctor.user
    assert dictation.unit == rw.unit
    assert dictation.duration_seconds == 3
    assert dictation.audio.kind == DocumentKind.AUDIO
    assert dictation.audio.content_type == "audio/wav"
    assert dictation.audio.patient == rw.patient
    assert stored_files(data_dir) == [data_dir / "documents" / dictation.audio.storage_key]
    assert dictation.deadline - dictation.created_at == timedelta(hours=4)


def test_typed_draft_without_audio(record_world, data_dir):
    dictation = _dictate(record_world, "Skrevet kladde")
    assert dictation.audio is None
    assert dictation.text == "Skrevet kladde"


def test_a_secretary_cannot_dictate(record_world, data_dir):
    with pytest.raises(PermissionDenied):
        _dictate(record_world, actor=record_world.secretary_actor)
    assert not Dictation.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"text": ""}, "content_required", "audio"),
        ({"audio": upload("a.wav", pdf_bytes())}, "file_type", "audio"),
        ({"audio": upload("a.wav", wav_bytes()[:30])}, "audio_invalid", "audio"),
        ({"priority": "whenever"}, "priority_unknown", "priority"),
        ({"deadline": timezone.now() - timedelta(minutes=1)}, "deadline_past", "deadline"),
        ({"instructions": "x" * 301}, "instructions_too_long", "instructions"),
    ],
)
def test_bad_dictations_are_refused_and_nothing_stored(record_world, data_dir, kwargs, code, field):
    kwargs.setdefault("text", "kladde")
    with pytest.raises(RecordError) as caught:
        dictation_create(actor=record_world.doctor_actor, patient=record_world.patient, **kwargs)
    assert (caught.value.code, caught.value.field) == (code, field)
    assert not Dictation.objects.exists()
    assert not Document.objects.exists()
    assert stored_files(data_dir) == []


def test_a_failed_dictation_removes_its_audio_file(record_world, data_dir, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("simulated")

    monkeypatch.setattr(Dictation.objects, "create", fail)
    with pytest.raises(RuntimeError):
        dictation_create(
            actor=record_world.doctor_actor,
            patient=record_world.patient,
            audio=upload("d.wav", wav_bytes()),
        )
    assert stored_files(data_dir) == []
    assert not Document.objects.exists()


# The queue ---------------------------------------------------------------------------------------


def test_queue_is_sorted_by_priority_then_deadline_and_flags_overdue(record_world, data_dir):
    rw = record_world
    now = timezone.now()
    low = _dictate(rw, priority=DictationPriority.LOW, deadline=now + timedelta(hours=1))
    normal_late = _dictate(rw, priority=DictationPriority.NORMAL, deadline=now + timedelta(days=3))
    normal_soon = _dictate(rw, priority=DictationPriority.NORMAL, deadline=now + timedelta(days=1))
    urgent = _dictate(rw, priority=DictationPriority.URGENT)
    overdue = _dictate(rw, priority=DictationPriority.NORMAL, deadline=now + timedelta(hours=2))
    Dictation.objects.filter(pk=overdue.pk).update(deadline=now - timedelta(hours=1))
    done = _taken(rw)
    dictation_send_for_signing(actor=rw.secretary_actor, dictation=done, text="Færdig")

    rows = dictation_queue(actor=rw.secretary_actor)
    assert [r.pk for r in rows] == [urgent.pk, overdue.pk, normal_soon.pk, normal_late.pk, low.pk]
    assert [r.is_overdue for r in rows] == [False, True, False, False, False]
    summary = dictation_queue_summary(actor=rw.secretary_actor)
    assert (summary.waiting, summary.overdue, summary.urgent) == (5, 1, 1)
    assert dictation_waiting_count(actor=rw.secretary_actor) == 5


def test_queue_filters_by_unit_author_and_status(record_world, data_dir, world):
    rw = record_world
    mine = _dictate(rw)
    colleague = _dictate(rw, actor=rw.doctor2_actor)
    other_unit = _dictate(rw)
    Dictation.objects.filter(pk=other_unit.pk).update(unit=rw.unit2)
    secretary = rw.secretary_actor
    assert {d.pk for d in dictation_queue(actor=secretary)} == {mine.pk, colleague.pk}
    assert {d.pk for d in dictation_queue(actor=secretary, unit_ids=[rw.unit2.pk])} == {
        other_unit.pk
    }
    assert len(dictation_queue(actor=secretary, unit_ids=[])) == 3
    assert [d.pk for d in dictation_queue(actor=secretary, author_id=rw.doctor2.user_id)] == [
        colleague.pk
    ]
    assert dictation_queue(actor=secretary, statuses=[DictationStatus.DONE]) == []
    assert dictation_queue(actor=rw.other_doctor_actor, unit_ids=[]) == []


def test_queue_reads_in_constant_queries(record_world, data_dir, django_assert_max_num_queries):
    rw = record_world
    for _ in range(3):
        _dictate(rw, audio=upload("d.wav", wav_bytes(seconds=1)))
    _taken(rw)
    # One read, and the list's access-log entry (two statements on PostgreSQL).
    with django_assert_max_num_queries(4):
        rows = dictation_queue(actor=rw.secretary_actor)
        assert all(r.patient.name and r.author.username and r.unit.name for r in rows)
        assert any(r.taken_by for r in rows)


# Taking, transcribing, releasing, cancelling -----------------------------------------------------


def test_take_marks_the_item_in_progress_and_a_second_take_is_refused(
    record_world, data_dir, world
):
    rw = record_world
    dictation = _dictate(rw)
    taken = dictation_take(actor=rw.secretary_actor, dictation=dictation)
    assert (taken.status, taken.taken_by) == (DictationStatus.IN_PROGRESS, rw.secretary.user)
    assert taken.taken_at is not None
    other = rw.actor(world.member("secretary", unit=rw.unit))
    with pytest.raises(RecordError) as caught:
        dictation_take(actor=other, dictation=dictation)
    assert caught.value.code == "already_taken"
    assert Dictation.objects.get(pk=dictation.pk).taken_by == rw.secretary.user
    # Taking again what one already holds changes nothing.
    assert dictation_take(actor=rw.secretary_actor, dictation=dictation).taken_at == taken.taken_at


def test_only_the_taker_saves_the_transcript(record_world, data_dir, world):
    rw = record_world
    dictation = _taken(rw)
    dictation_text_save(actor=rw.secretary_actor, dictation=dictation, text="Første linje")
    assert Dictation.objects.get(pk=dictation.pk).text == "Første linje"
    other = rw.actor(world.member("secretary", unit=rw.unit))
    with pytest.raises(RecordError) as caught:
        dictation_text_save(actor=other, dictation=dictation, text="overskrevet")
    assert caught.value.code == "already_taken"
    assert Dictation.objects.get(pk=dictation.pk).text == "Første linje"


def test_release_puts_the_item_back_with_its_transcript(record_world, data_dir):
    rw = record_world
    dictation = _taken(rw)
    released = dictation_release(actor=rw.secretary_actor, dictation=dictation, text="Halvt")
    assert (released.status, released.taken_by, released.text) == (
        DictationStatus.WAITING,
        None,
        "Halvt",
    )
    with pytest.raises(RecordError):
        dictation_release(actor=rw.secretary_actor, dictation=dictation)


def test_only_the_author_cancels_and_must_say_why(record_world, data_dir):
    rw = record_world
    dictation = _taken(rw)
    with pytest.raises(RecordError) as caught:
        dictation_cancel(actor=rw.doctor2_actor, dictation=dictation, reason="fejl")
    assert caught.value.code == "not_author"
    with pytest.raises(RecordError) as caught:
        dictation_cancel(actor=rw.doctor_actor, dictation=dictation, reason="  ")
    assert (caught.value.code, caught.value.field) == ("reason_required", "reason")
    cancelled = dictation_cancel(
        actor=rw.doctor_actor, dictation=dictation, reason="Forkert patient"
    )
    assert cancelled.status == DictationStatus.CANCELLED
    assert (cancelled.cancel_reason, cancelled.cancelled_by) == ("Forkert patient", rw.doctor.user)
    assert dictation_queue(actor=rw.secretary_actor) == []
    with pytest.raises(RecordError) as caught:
        dictation_send_for_signing(actor=rw.secretary_actor, dictation=dictation, text="x")
    assert caught.value.code == "not_open"
    assert not JournalEntry.objects.exists()


# Sending for signing and signing -----------------------------------------------------------------


def test_send_for_signing_saves_an_unapproved_entry_for_the_dictating_doctor(
    record_world, data_dir
):
    rw = record_world
    dictation = _taken(rw)
    entry = dictation_send_for_signing(
        actor=rw.secretary_actor, dictation=dictation, text="  Transskriberet notat.\r\n"
    )
    assert entry.entry_type == EntryType.DICTATION
    assert entry.text == "Transskriberet notat."
    assert (entry.author, entry.responsible) == (rw.secretary.user, rw.doctor.user)
    assert entry.needs_signature
    assert not JournalSignature.objects.filter(entry=entry).exists()
    dictation.refresh_from_db()
    assert (dictation.status, dictation.entry) == (DictationStatus.FOR_SIGNING, entry)
    assert dictation.text == "Transskriberet notat."
    assert dictation.completed_at is None


def test_signing_the_transcript_marks_the_dictation_done(record_world, data_dir):
    rw = record_world
    dictation = _taken(rw)
    entry = dictation_send_for_signing(actor=rw.secretary_actor, dictation=dictation, text="Notat")
    signature = journal_entry_sign(actor=rw.doctor_actor, entry=entry)
    dictation.refresh_from_db()
    assert dictation.status == DictationStatus.DONE
    assert dictation.completed_at == signature.signed_at


def test_a_doctor_transcribing_their_own_dictation_finishes_it(record_world, data_dir):
    rw = record_world
    dictation = dictation_take(actor=rw.doctor_actor, dictation=_dictate(rw))
    entry = dictation_send_for_signing(actor=rw.doctor_actor, dictation=dictation, text="Eget")
    assert not entry.needs_signature
    dictation.refresh_from_db()
    assert dictation.status == DictationStatus.DONE


def test_empty_transcript_is_refused_and_nothing_changes(record_world, data_dir):
    rw = record_world
    dictation = _taken(rw)
    with pytest.raises(RecordError) as caught:
        dictation_send_for_signing(actor=rw.secretary_actor, dictation=dictation, text=" \n ")
    assert (caught.value.code, caught.value.field) == ("text_required", "text")
    dictation.refresh_from_db()
    assert dictation.status == DictationStatus.IN_PROGRESS
    assert not JournalEntry.objects.exists()


def test_entry_and_status_commit_together(record_world, data_dir, monkeypatch):
    """The item's save fails after the entry was written: neither remains."""
    rw = record_world
    dictation = _taken(rw)

    def fail(self, *args, **kwargs):
        raise RuntimeError("simulated")

    monkeypatch.setattr(Dictation, "save", fail)
    with pytest.raises(RuntimeError):
        dictation_send_for_signing(actor=rw.secretary_actor, dictation=dictation, text="Notat")
    monkeypatch.undo()
    assert not JournalEntry.objects.exists()
    assert Dictation.objects.get(pk=dictation.pk).status == DictationStatus.IN_PROGRESS


def test_only_the_taker_sends_for_signing(record_world, data_dir, world):
    rw = record_world
    waiting = _dictate(rw)
    with pytest.raises(RecordError) as caught:
        dictation_send_for_signing(actor=rw.secretary_actor, dictation=waiting, text="x")
    assert caught.value.code == "not_taken"
    taken = _taken(rw)
    other = rw.actor(world.member("secretary", unit=rw.unit))
    with pytest.raises(RecordError) as caught:
        dictation_send_for_signing(actor=other, dictation=taken, text="x")
    assert caught.value.code == "already_taken"
    assert not JournalEntry.objects.exists()


# Access ------------------------------------------------------------------------------------------


def test_opening_a_dictation_is_logged_and_foreign_ones_are_not_found(record_world, data_dir):
    rw = record_world
    dictation = _dictate(rw)
    before = AccessLogEntry.objects.filter(object_type="dictation").count()
    found = dictation_access(
        actor=rw.secretary_actor, public_id=dictation.public_id, channel=Channel.UI
    )
    assert found == dictation
    assert AccessLogEntry.objects.filter(object_type="dictation").count() == before + 1
    with pytest.raises(Http404):
        dictation_access(
            actor=rw.other_doctor_actor, public_id=dictation.public_id, channel=Channel.UI
        )
    with pytest.raises(Http404):
        dictation_take(
            actor=rw.other_doctor_actor,
            dictation=Dictation.objects.get(pk=dictation.pk),
        )
    assert Dictation.objects.get(pk=dictation.pk).status == DictationStatus.WAITING


# Turnaround --------------------------------------------------------------------------------------


def test_percentiles_interpolate_between_ranks():
    assert percentile([], 0.5) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([2, 4, 6, 8, 30], 0.5) == 6
    assert percentile([2, 4, 6, 8, 30], 0.9) == pytest.approx(21.2)
    assert percentile([1, 2, 3, 4], 0.5) == 2.5


def test_turnaround_per_unit_from_dictated_to_sent_and_to_signed(record_world, data_dir):
    rw = record_world
    hours = [2, 4, 6, 8, 30]
    for i, h in enumerate(hours):
        dictation = _taken(rw)
        Dictation.objects.filter(pk=dictation.pk).update(
            created_at=timezone.now() - timedelta(hours=h)
        )
        entry = dictation_send_for_signing(
            actor=rw.secretary_actor, dictation=dictation, text=f"Notat {i}"
        )
        if i < 3:  # the first three (2, 4, 6 hours) are signed
            journal_entry_sign(actor=rw.doctor_actor, entry=entry)
    _dictate(rw)  # waiting: not counted

    (row,) = dictation_turnaround(organisation_id=rw.organisation.pk)
    assert row.unit == rw.unit
    assert row.sent_count == 5
    assert row.sent_median == pytest.approx(6, abs=0.01)
    assert row.sent_p90 == pytest.approx(21.2, abs=0.01)
    assert row.signed_count == 3
    assert row.signed_median == pytest.approx(4, abs=0.01)
    assert row.signed_p90 == pytest.approx(5.6, abs=0.01)
    # A month on, none of it is within the last 30 days.
    later = timezone.now() + timedelta(days=31)
    assert dictation_turnaround(organisation_id=rw.organisation.pk, now=later) == []
    assert dictation_turnaround(organisation_id=rw.other_organisation.pk) == []
