"""Journal reads: the timeline (current versions, newest first, keyset pages, filters, a fixed
number of queries), the versions of an entry, the signing queue, drafts, contacts, filters."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from klinik.patients.tests.factories import PatientFactory
from klinik.records.choices import EntryType
from klinik.records.errors import RecordError
from klinik.records.journal.filters import journal_filters
from klinik.records.journal.selectors import (
    contacts_of_patient,
    entry_signature,
    journal_drafts,
    journal_entry_versions,
    journal_timeline,
    journal_to_sign,
    journal_to_sign_count,
    timeline_cursor_parse,
)
from klinik.records.journal.services import journal_draft_save
from klinik.records.tests.factories import (
    contact_start,
    entry_correct,
    entry_sign,
    entry_write,
)


def _ago(minutes: int):
    return timezone.now() - timedelta(minutes=minutes)


def _texts(page) -> list[str]:
    return [item.entry.text for item in page.items]


def test_timeline_lists_current_versions_newest_first(record_world):
    rw = record_world
    doctor = rw.doctor_actor
    old = entry_write(doctor, rw.patient, "Første notat", occurred_at=_ago(60))
    entry_write(doctor, rw.patient, "Andet notat", occurred_at=_ago(30))
    entry_correct(doctor, old, "Første notat, rettet")
    entry_write(rw.other_doctor_actor, rw.other_patient, "Andet sted")

    page = journal_timeline(patient=rw.patient)

    assert _texts(page) == ["Andet notat", "Første notat, rettet"]
    corrected = page.items[1]
    assert corrected.version_count == 2
    assert corrected.is_corrected
    assert corrected.is_current
    assert corrected.is_signed
    assert corrected.signed_by_name == "Dorthe Lægesen"
    assert corrected.author_name == "Dorthe Lægesen"
    assert corrected.unit_name == rw.unit.name
    assert page.next_cursor is None


def test_timeline_with_superseded_shows_every_version(record_world):
    rw = record_world
    doctor = rw.doctor_actor
    v1 = entry_write(doctor, rw.patient, "v1", occurred_at=_ago(10))
    v2 = entry_correct(doctor, v1, "v2")
    entry_correct(doctor, v2, "v3")

    page = journal_timeline(patient=rw.patient, include_superseded=True)

    # Same clinical time: the newest row first.
    assert _texts(page) == ["v3", "v2", "v1"]
    assert [item.is_current for item in page.items] == [True, False, False]
    assert {item.version_count for item in page.items} == {3}


def test_timeline_pages_by_cursor_without_gaps_or_repeats(record_world):
    rw = record_world
    doctor = rw.doctor_actor
    same_time = _ago(100)
    for index in range(7):
        # Pairs share a clinical time, so the id breaks the tie.
        at = same_time + timedelta(minutes=index // 2)
        entry_write(doctor, rw.patient, f"notat {index}", occurred_at=at)

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = journal_timeline(patient=rw.patient, limit=3, before=cursor)
        seen += _texts(page)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break

    assert pages == 3
    assert seen == [f"notat {index}" for index in reversed(range(7))]


def test_timeline_cursor_holds_no_patient_data(record_world):
    rw = record_world
    doctor = rw.doctor_actor
    for index in range(3):
        entry_write(doctor, rw.patient, f"notat {index}")
    cursor = journal_timeline(patient=rw.patient, limit=1).next_cursor

    decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    assert str(rw.patient.public_id) not in decoded
    assert rw.patient.cpr not in decoded
    assert rw.patient.given_name not in decoded
    assert decoded.replace(".", "").isdigit()


@pytest.mark.parametrize("cursor", ["not-a-cursor", "!!!", base64.b64encode(b"x.y").decode()])
def test_timeline_refuses_a_malformed_cursor(record_world, cursor):
    with pytest.raises(RecordError) as caught:
        journal_timeline(patient=record_world.patient, before=cursor)
    assert caught.value.field == "before"


def test_cursor_round_trips(record_world):
    entry = entry_write(record_world.doctor_actor, record_world.patient)
    page = journal_timeline(patient=record_world.patient, limit=1)
    assert page.next_cursor is None
    entry_write(record_world.doctor_actor, record_world.patient, occurred_at=_ago(5))
    cursor = journal_timeline(patient=record_world.patient, limit=1).next_cursor
    moment, pk = timeline_cursor_parse(cursor)
    assert pk == entry.pk
    assert moment == entry.occurred_at


def test_timeline_filters_by_type_unit_author_and_time(record_world):
    rw = record_world
    doctor, nurse = rw.doctor_actor, rw.nurse_actor
    entry_write(doctor, rw.patient, "læge notat", occurred_at=_ago(60 * 24 * 3))
    entry_write(nurse, rw.patient, "telefon", entry_type=EntryType.PHONE, occurred_at=_ago(60))
    contact = contact_start(doctor, rw.patient, unit=rw.unit2)
    entry_write(doctor, rw.patient, "i andet afsnit", contact=contact)

    assert _texts(journal_timeline(patient=rw.patient, entry_types=["phone"])) == ["telefon"]
    assert _texts(journal_timeline(patient=rw.patient, unit_ids=[rw.unit2.public_id])) == [
        "i andet afsnit"
    ]
    assert _texts(
        journal_timeline(patient=rw.patient, author_ids=[str(rw.nurse.user.public_id)])
    ) == ["telefon"]
    assert _texts(journal_timeline(patient=rw.patient, since=_ago(120))) == [
        "i andet afsnit",
        "telefon",
    ]
    assert _texts(journal_timeline(patient=rw.patient, until=_ago(60 * 24))) == ["læge notat"]
    yesterday_and_before = timezone.localdate() - timedelta(days=2)
    assert _texts(journal_timeline(patient=rw.patient, until=yesterday_and_before)) == [
        "læge notat"
    ]
    with pytest.raises(RecordError):
        journal_timeline(patient=rw.patient, entry_types=["gossip"])


def _everything_shown(item) -> tuple:
    """What the record page and the API read of an item (API: people's public ids)."""
    entry = item.entry
    signer = item.signature.signed_by.public_id if item.signature else None
    responsible = entry.responsible.public_id if entry.responsible else None
    contact = entry.contact.public_id if entry.contact else None
    return (
        *(item.author_name, item.unit_name, item.signed_by_name, item.signed_at),
        *(item.version_count, item.needs_signature, item.is_current),
        *(entry.author.public_id, entry.unit.public_id, signer, responsible, contact),
        *(entry.supersedes_public_id, entry.text, entry.title),
    )


def test_timeline_uses_two_queries_whatever_the_page_size(record_world):
    rw = record_world
    doctor, secretary = rw.doctor_actor, rw.secretary_actor
    contact = contact_start(doctor, rw.patient)
    other_unit = contact_start(doctor, rw.patient, unit=rw.unit2)
    for index in range(4):
        entry_write(doctor, rw.patient, f"læge {index}", contact=contact)
    for index in range(4):
        entry = entry_write(secretary, rw.patient, f"sekretær {index}", responsible=rw.doctor.user)
        entry_sign(rw.doctor_actor, entry)
        entry_correct(rw.doctor2_actor, entry, "rettet")
    entry_write(rw.nurse_actor, rw.patient, "sygeplejerske", contact=other_unit)

    counts = []
    for limit in (2, 8, 50):
        with CaptureQueriesContext(connection) as queries:
            page = journal_timeline(patient=rw.patient, limit=limit)
            for item in page.items:
                _everything_shown(item)
        counts.append(len(queries))
    # Entries (with unit, contact and signature), then the people.
    assert counts == [2, 2, 2]

    with CaptureQueriesContext(connection) as queries:
        page = journal_timeline(patient=rw.patient, include_superseded=True)
        for item in page.items:
            _everything_shown(item)
    assert len(queries) == 2
    assert len(page.items) == 13


def test_unsigned_entry_shows_as_needing_signature(record_world):
    rw = record_world
    entry_write(rw.secretary_actor, rw.patient, "skrevet af sekretær", responsible=rw.doctor.user)
    item = journal_timeline(patient=rw.patient).items[0]
    assert item.signature is None
    assert item.needs_signature
    assert item.signed_at is None


def test_versions_are_oldest_first_with_signatures(record_world):
    rw = record_world
    v1 = entry_write(rw.secretary_actor, rw.patient, "v1", responsible=rw.doctor.user)
    v2 = entry_correct(rw.doctor_actor, v1, "v2")

    with CaptureQueriesContext(connection) as queries:
        versions = journal_entry_versions(entry=v2)
        signatures = [entry_signature(v) for v in versions]
        shown = [(v.author.public_id, v.unit.name, v.supersedes_public_id) for v in versions]
    assert len(queries) == 2
    assert shown[1][2] == v1.public_id
    assert [v.text for v in versions] == ["v1", "v2"]
    assert signatures[0] is None
    assert signatures[1].signed_by == rw.doctor.user
    assert journal_entry_versions(entry=v1) == versions


def test_to_sign_lists_the_responsible_doctors_unapproved_current_entries(record_world):
    rw = record_world
    secretary = rw.secretary_actor
    for_dorthe = entry_write(secretary, rw.patient, "til Dorthe", responsible=rw.doctor.user)
    entry_write(secretary, rw.patient, "til Dennis", responsible=rw.doctor2.user)
    nobody = entry_write(secretary, rw.patient, "ingen ansvarlig")
    signed = entry_write(secretary, rw.patient, "allerede", responsible=rw.doctor.user)
    entry_sign(rw.doctor_actor, signed)
    corrected = entry_write(secretary, rw.patient, "gammel", responsible=rw.doctor.user)
    newer = entry_correct(secretary, corrected, "ny")
    entry_write(rw.doctor_actor, rw.patient, "egen, signeret")
    entry_write(rw.other_doctor_actor, rw.other_patient, "anden organisation")

    queue = journal_to_sign(actor=rw.doctor_actor)

    assert [e.pk for e in queue] == [for_dorthe.pk, nobody.pk, newer.pk]
    assert journal_to_sign_count(actor=rw.doctor_actor) == 3
    # The nurse cannot sign: only what names her (nothing), not the unassigned ones.
    assert journal_to_sign(actor=rw.nurse_actor) == []
    assert journal_to_sign(actor=rw.other_doctor_actor) == []


def test_drafts_are_private_to_their_author(record_world):
    rw = record_world
    mine = journal_draft_save(actor=rw.nurse_actor, patient=rw.patient, text="halvfærdig")
    journal_draft_save(actor=rw.doctor_actor, patient=rw.patient, text="lægens kladde")
    neighbour = PatientFactory(unit=rw.unit)
    journal_draft_save(actor=rw.nurse_actor, patient=neighbour, text="anden patient")

    assert journal_drafts(actor=rw.nurse_actor, patient=rw.patient) == [mine]
    assert [d.text for d in journal_drafts(actor=rw.doctor_actor, patient=rw.patient)] == [
        "lægens kladde"
    ]
    assert journal_drafts(actor=rw.secretary_actor, patient=rw.patient) == []


def test_contacts_of_patient_newest_first_with_entry_counts(record_world):
    rw = record_world
    first = contact_start(rw.doctor_actor, rw.patient, started_at=_ago(60))
    second = contact_start(rw.doctor_actor, rw.patient)
    entry_write(rw.doctor_actor, rw.patient, contact=first)
    entry_write(rw.doctor_actor, rw.patient, contact=first)
    contact_start(rw.other_doctor_actor, rw.other_patient)

    contacts = contacts_of_patient(patient=rw.patient)

    assert [c.pk for c in contacts] == [second.pk, first.pk]
    assert [c.entry_count for c in contacts] == [0, 2]


def test_filters_list_the_types_units_and_authors_present(record_world):
    rw = record_world
    entry_write(rw.doctor_actor, rw.patient)
    entry_write(rw.nurse_actor, rw.patient, entry_type=EntryType.PHONE)
    entry_write(rw.other_doctor_actor, rw.other_patient, entry_type=EntryType.LAB)

    with CaptureQueriesContext(connection) as queries:
        filters = journal_filters(patient=rw.patient)
    assert len(queries) == 1  # one statement, however long the journal
    assert [t.value for t in filters.types] == ["note", "phone"]
    assert [u.value for u in filters.units] == [str(rw.unit.public_id)]
    assert [a.label for a in filters.authors] == ["Dorthe Lægesen", "Nina Sygeplejerske"]
