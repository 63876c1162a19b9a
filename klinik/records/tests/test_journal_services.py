"""Journal writes: who signs what and when, the correction chain, concurrent corrections,
drafts, the access log, and the other organisation kept out."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.patients.tests.factories import PatientFactory
from klinik.records.choices import EntryType
from klinik.records.errors import RecordError
from klinik.records.journal.selectors import (
    entry_signature,
    journal_entry_versions,
    journal_timeline,
)
from klinik.records.journal.services import (
    journal_draft_discard,
    journal_draft_save,
    journal_entry_correct,
    journal_entry_sign,
)
from klinik.records.models import JournalDraft, JournalEntry, JournalSignature
from klinik.records.tests.factories import (
    contact_start,
    entry_correct,
    entry_sign,
    entry_write,
    record_world_create,
)


def _signed(entry: JournalEntry) -> bool:
    return JournalSignature.objects.filter(entry=entry).exists()


# Signing -----------------------------------------------------------------------------------------


def test_doctors_own_entry_is_signed_as_it_is_saved(record_world):
    rw = record_world
    entry = entry_write(rw.doctor_actor, rw.patient)
    assert entry.responsible == rw.doctor.user
    assert entry.needs_signature is False
    assert JournalSignature.objects.get(entry=entry).signed_by == rw.doctor.user


def test_secretarys_entry_is_unapproved_until_the_responsible_doctor_signs(record_world):
    rw = record_world
    entry = entry_write(
        rw.secretary_actor, rw.patient, "Pt. ringer om recept", responsible=rw.doctor.user
    )
    assert entry.needs_signature is True
    assert entry.author == rw.secretary.user
    assert not _signed(entry)
    assert journal_timeline(patient=rw.patient).items[0].needs_signature

    signature = entry_sign(rw.doctor_actor, entry)

    assert signature.signed_by == rw.doctor.user
    assert signature.entry == entry
    fresh = JournalEntry.objects.get(pk=entry.pk)
    # Signing adds a row; the entry itself is untouched.
    assert (fresh.text, fresh.needs_signature, fresh.version) == (entry.text, True, 1)
    item = journal_timeline(patient=rw.patient).items[0]
    assert item.is_signed and not item.needs_signature


def test_nurses_entry_on_a_contact_waits_for_the_contacts_doctor(record_world):
    rw = record_world
    contact = contact_start(rw.doctor_actor, rw.patient)
    entry = entry_write(rw.nurse_actor, rw.patient, "BT 130/85", contact=contact)
    assert entry.responsible == rw.doctor.user
    assert entry.needs_signature
    assert entry.unit == contact.unit


def test_doctor_writing_for_a_colleague_leaves_it_for_the_colleague(record_world):
    rw = record_world
    entry = entry_write(rw.doctor_actor, rw.patient, responsible=rw.doctor2.user)
    assert entry.needs_signature
    with pytest.raises(RecordError) as caught:
        entry_sign(rw.doctor_actor, entry)
    assert caught.value.code == "not_responsible"
    entry_sign(rw.doctor2_actor, entry)
    assert JournalSignature.objects.get(entry=entry).signed_by == rw.doctor2.user


def test_entry_without_responsible_may_be_signed_by_any_signer_of_the_organisation(record_world):
    rw = record_world
    entry = entry_write(rw.secretary_actor, rw.patient)
    assert entry.responsible is None
    assert entry.needs_signature
    entry_sign(rw.doctor2_actor, entry)
    assert _signed(entry)


def test_sign_is_refused_for_a_role_without_the_permission(record_world):
    rw = record_world
    entry = entry_write(rw.secretary_actor, rw.patient, responsible=rw.doctor.user)
    for actor in (rw.secretary_actor, rw.nurse_actor):
        with pytest.raises(PermissionDenied):
            journal_entry_sign(actor=actor, entry=entry)
    assert not _signed(entry)


def test_sign_is_refused_for_a_non_responsible_clinician(record_world):
    rw = record_world
    entry = entry_write(rw.secretary_actor, rw.patient, responsible=rw.doctor.user)
    with pytest.raises(RecordError) as caught:
        entry_sign(rw.doctor2_actor, entry)
    assert caught.value.code == "not_responsible"
    assert not _signed(entry)


def test_sign_is_refused_for_a_superseded_version(record_world):
    rw = record_world
    v1 = entry_write(rw.secretary_actor, rw.patient, "v1", responsible=rw.doctor.user)
    v2 = entry_correct(rw.secretary_actor, v1, "v2")
    with pytest.raises(RecordError) as caught:
        entry_sign(rw.doctor_actor, v1)
    assert caught.value.code == "not_current"
    assert not _signed(v1)
    entry_sign(rw.doctor_actor, v2)
    assert _signed(v2)


def test_signing_twice_is_refused(record_world):
    rw = record_world
    entry = entry_write(rw.secretary_actor, rw.patient, responsible=rw.doctor.user)
    entry_sign(rw.doctor_actor, entry)
    with pytest.raises(RecordError) as caught:
        entry_sign(rw.doctor_actor, entry)
    assert caught.value.code == "already_signed"
    assert JournalSignature.objects.filter(entry=entry).count() == 1


def test_responsible_must_be_a_signer_of_the_patients_organisation(record_world):
    rw = record_world
    for person in (rw.nurse.user, rw.other_doctor.user):
        with pytest.raises(RecordError) as caught:
            entry_write(rw.secretary_actor, rw.patient, responsible=person)
        assert caught.value.field == "responsible"
    assert not JournalEntry.objects.exists()


# Input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"text": " \n "}, "text"),
        ({"text": "x" * 100_001}, "text"),
        ({"entry_type": "gossip"}, "type"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(record_world, kwargs, field):
    rw = record_world
    before = AccessLogEntry.objects.count()
    with pytest.raises(RecordError) as caught:
        entry_write(rw.doctor_actor, rw.patient, **kwargs)
    assert caught.value.field == field
    assert not JournalEntry.objects.exists()
    # The refused write's access-log entry rolled back with it.
    assert AccessLogEntry.objects.count() == before


def test_every_entry_type_can_be_written(record_world):
    rw = record_world
    for value in EntryType.values:
        entry_write(rw.doctor_actor, rw.patient, f"{value} tekst", entry_type=value)
    assert JournalEntry.objects.count() == len(EntryType.values)


# Corrections -------------------------------------------------------------------------------------


def test_correction_chain_keeps_every_version(record_world):
    rw = record_world
    v1 = entry_write(rw.doctor_actor, rw.patient, "Amoxicillin 50 mg")
    v2 = entry_correct(rw.doctor_actor, v1, "Amoxicillin 500 mg", reason="Forkert dosis")
    v3 = entry_correct(rw.nurse_actor, v2, "Amoxicillin 500 mg x 3", reason="Manglede frekvens")

    assert [v.version for v in (v1, v2, v3)] == [1, 2, 3]
    assert v2.supersedes == v1 and v3.supersedes == v2
    assert v1.thread == v2.thread == v3.thread
    assert (v3.author, v3.correction_reason) == (rw.nurse.user, "Manglede frekvens")
    assert v3.occurred_at == v1.occurred_at
    versions = journal_entry_versions(entry=v1)
    assert [v.text for v in versions] == [
        "Amoxicillin 50 mg",
        "Amoxicillin 500 mg",
        "Amoxicillin 500 mg x 3",
    ]
    # The doctor's correction is signed; the nurse's waits for the responsible doctor.
    assert [entry_signature(v) is not None for v in versions] == [True, True, False]
    assert v3.responsible == rw.doctor.user
    assert [i.entry.pk for i in journal_timeline(patient=rw.patient).items] == [v3.pk]


@pytest.mark.parametrize("old", ["v1", "v2"])
def test_correcting_a_superseded_version_is_refused(record_world, old):
    rw = record_world
    v1 = entry_write(rw.doctor_actor, rw.patient, "v1")
    v2 = entry_correct(rw.doctor_actor, v1, "v2")
    entry_correct(rw.doctor_actor, v2, "v3")
    with pytest.raises(RecordError) as caught:
        entry_correct(rw.doctor_actor, {"v1": v1, "v2": v2}[old], "igen")
    assert caught.value.code == "already_corrected"
    assert JournalEntry.objects.count() == 3


@pytest.mark.parametrize(("text", "reason", "field"), [("ny", " ", "reason"), (" ", "ok", "text")])
def test_correction_needs_text_and_reason(record_world, text, reason, field):
    rw = record_world
    v1 = entry_write(rw.doctor_actor, rw.patient, "v1")
    with pytest.raises(RecordError) as caught:
        journal_entry_correct(actor=rw.doctor_actor, entry=v1, text=text, reason=reason)
    assert caught.value.field == field
    assert JournalEntry.objects.count() == 1


def test_correction_is_refused_to_a_role_that_may_not_write(record_world, world):
    rw = record_world
    v1 = entry_write(rw.doctor_actor, rw.patient, "v1")
    receptionist = rw.actor(world.member(Role.HEALTH_SERVICE_SECRETARY))
    with pytest.raises(PermissionDenied):
        journal_entry_correct(actor=receptionist, entry=v1, text="x", reason="y")
    assert JournalEntry.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_corrections_of_one_version_let_exactly_one_win(world):
    """Threads, each with its own database connection, correct the same version at once."""
    rw = record_world_create(world)
    v1 = entry_write(rw.doctor_actor, rw.patient, "v1")
    attempts = 6 if connection.vendor == "postgresql" else 3
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []
    lock = threading.Lock()

    def correct(index: int) -> None:
        try:
            entry = JournalEntry.objects.select_related("patient").get(pk=v1.pk)
            actor = rw.doctor_actor
            barrier.wait(timeout=10)
            try:
                entry_correct(actor, entry, f"rettelse {index}", reason="samtidig")
                outcome = "ok"
            except RecordError as exc:
                outcome = exc.code
        except Exception as exc:  # reported in the assertion below
            outcome = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=correct, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Counter(outcomes) == {"ok": 1, "already_corrected": attempts - 1}, outcomes
    versions = JournalEntry.objects.filter(thread=v1.thread)
    assert sorted(versions.values_list("version", flat=True)) == [1, 2]


# Drafts ------------------------------------------------------------------------------------------


def test_drafts_are_private_to_their_author(record_world):
    rw = record_world
    draft = journal_draft_save(actor=rw.nurse_actor, patient=rw.patient, text="kladde")
    with pytest.raises(RecordError):
        journal_draft_save(actor=rw.doctor_actor, patient=rw.patient, draft=draft, text="mit nu")
    with pytest.raises(RecordError):
        journal_draft_discard(actor=rw.doctor_actor, draft=draft)
    assert JournalDraft.objects.get(pk=draft.pk).text == "kladde"

    journal_draft_save(actor=rw.nurse_actor, patient=rw.patient, draft=draft, text="kladde 2")
    assert JournalDraft.objects.get(pk=draft.pk).text == "kladde 2"
    journal_draft_discard(actor=rw.nurse_actor, draft=draft)
    assert not JournalDraft.objects.exists()


def test_saving_from_a_draft_removes_it(record_world):
    from klinik.records.journal.services import EntryDraft, journal_entry_write

    rw = record_world
    draft = journal_draft_save(actor=rw.doctor_actor, patient=rw.patient, text="udkast")
    entry = journal_entry_write(
        actor=rw.doctor_actor,
        patient=rw.patient,
        draft=EntryDraft(entry_type=EntryType.NOTE, text="færdig"),
        from_draft=draft,
    )
    assert entry.text == "færdig"
    assert not JournalDraft.objects.exists()


def test_a_draft_is_not_part_of_the_record(record_world):
    rw = record_world
    journal_draft_save(actor=rw.doctor_actor, patient=rw.patient, text="udkast")
    assert journal_timeline(patient=rw.patient).items == []


# Access log and organisations --------------------------------------------------------------------


def test_writes_are_in_the_access_log(record_world):
    rw = record_world
    entry = entry_write(rw.secretary_actor, rw.patient, responsible=rw.doctor.user)
    entry_sign(rw.doctor_actor, entry)
    entry_correct(rw.doctor_actor, entry)
    logged = list(
        AccessLogEntry.objects.filter(patient_id=rw.patient.public_id)
        .order_by("seq")
        .values_list("username", "action", "object_type")
    )
    assert logged == [
        (rw.secretary.user.username, "create", "record"),
        (rw.doctor.user.username, "update", "journal_signature"),
        (rw.doctor.user.username, "create", "journal_entry"),
    ]


def test_another_organisation_cannot_reach_the_record(record_world):
    rw = record_world
    ours = entry_write(rw.doctor_actor, rw.patient, "vores")
    outsider = rw.other_doctor_actor
    with pytest.raises(Http404):
        entry_write(outsider, rw.patient, "ind udefra")
    with pytest.raises(Http404):
        entry_correct(outsider, ours, "overskrevet")
    mine_there = entry_write(rw.secretary_actor, rw.patient, responsible=rw.doctor.user)
    with pytest.raises(Http404):
        journal_entry_sign(actor=outsider, entry=mine_there)
    assert JournalEntry.objects.filter(patient=rw.patient).count() == 2
    assert not _signed(mine_there)
    assert not AccessLogEntry.objects.filter(user=rw.other_doctor.user).exists()


def test_another_unit_needs_the_glass_broken(record_world):
    from klinik.patients.errors import BreakGlassRequired

    rw = record_world
    with pytest.raises(BreakGlassRequired):
        entry_write(rw.doctor_actor, rw.patient2, "andet afsnit")
    neighbour = PatientFactory(unit=rw.unit)
    entry_write(rw.doctor_actor, neighbour, "egen enhed")
    assert JournalEntry.objects.count() == 1


def test_a_draft_cannot_correct_another_patients_entry(record_world):
    rw = record_world
    neighbour = PatientFactory(unit=rw.unit)
    theirs = entry_write(rw.doctor_actor, neighbour, "naboens notat")
    with pytest.raises(RecordError) as caught:
        journal_draft_save(actor=rw.doctor_actor, patient=rw.patient, corrects=theirs, text="x")
    assert caught.value.field == "corrects"
    assert not JournalDraft.objects.exists()
