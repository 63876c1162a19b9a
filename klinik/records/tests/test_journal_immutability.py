"""A saved journal entry and its signature are never changed or deleted: the model layer
refuses on every database, and the database's own triggers refuse raw SQL (UPDATE on both
databases, DELETE on PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from klinik.records.errors import RecordImmutable
from klinik.records.models import JournalEntry, JournalSignature
from klinik.records.tests.factories import entry_write

ORIGINAL = "Original tekst, skal kunne læses altid."


@pytest.fixture
def entry(record_world) -> JournalEntry:
    return entry_write(record_world.doctor_actor, record_world.patient, ORIGINAL)


@pytest.fixture
def signature(entry) -> JournalSignature:
    return JournalSignature.objects.get(entry=entry)


def _unchanged(entry: JournalEntry) -> None:
    fresh = JournalEntry.objects.get(pk=entry.pk)
    assert fresh.text == ORIGINAL
    assert fresh.version == 1
    assert JournalSignature.objects.filter(entry=entry).count() == 1


def _raw(sql: str, params: list) -> None:
    # A savepoint, so the refused statement does not break the test's transaction.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


# The model layer (both databases) ----------------------------------------------------------------


def test_save_after_a_change_is_refused(entry):
    entry.text = "Ændret"
    with pytest.raises(RecordImmutable):
        entry.save()
    with pytest.raises(RecordImmutable):
        entry.save(update_fields=["text"])
    _unchanged(entry)


def test_queryset_update_is_refused(entry):
    with pytest.raises(RecordImmutable):
        JournalEntry.objects.filter(pk=entry.pk).update(text="Ændret")
    entry.text = "Ændret"
    # bulk_update runs its updates in a transaction of its own (refused inside it).
    with pytest.raises(RecordImmutable), transaction.atomic():
        JournalEntry.objects.bulk_update([entry], ["text"])
    _unchanged(entry)


def test_queryset_delete_is_refused(entry):
    with pytest.raises(RecordImmutable):
        JournalEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(RecordImmutable):
        JournalEntry.objects.all().delete()
    _unchanged(entry)


def test_instance_delete_is_refused(entry):
    with pytest.raises(RecordImmutable):
        entry.delete()
    _unchanged(entry)


def test_signature_save_update_and_delete_are_refused(entry, signature, record_world):
    signature.signed_by = record_world.doctor2.user
    with pytest.raises(RecordImmutable):
        signature.save()
    with pytest.raises(RecordImmutable):
        JournalSignature.objects.filter(pk=signature.pk).update(signed_by=record_world.doctor2.user)
    with pytest.raises(RecordImmutable):
        JournalSignature.objects.filter(pk=signature.pk).delete()
    with pytest.raises(RecordImmutable):
        signature.delete()
    assert JournalSignature.objects.get(pk=signature.pk).signed_by == record_world.doctor.user
    _unchanged(entry)


def test_the_refusal_message_points_to_corrections(entry):
    with pytest.raises(RecordImmutable) as caught:
        entry.delete()
    assert "correction" in str(caught.value).lower() or "rettelse" in str(caught.value).lower()


# The database (raw SQL past the model layer) -----------------------------------------------------


def test_raw_update_of_an_entry_is_refused_by_the_database(entry):
    with pytest.raises(DatabaseError, match="never changed"):
        _raw("UPDATE records_journalentry SET text = %s WHERE id = %s", ["Ændret", entry.pk])
    with pytest.raises(DatabaseError, match="never changed"):
        _raw("UPDATE records_journalentry SET needs_signature = %s", [True])
    _unchanged(entry)


def test_raw_update_of_a_signature_is_refused_by_the_database(entry, signature, record_world):
    with pytest.raises(DatabaseError, match="never changed"):
        _raw(
            "UPDATE records_journalsignature SET signed_by_id = %s WHERE id = %s",
            [record_world.doctor2.user.pk, signature.pk],
        )
    _unchanged(entry)


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="SQLite has no DELETE trigger: Django's test flush on SQLite deletes row by row, "
    "so the model layer alone refuses deletes there (see migration 0002)",
)
def test_raw_delete_is_refused_by_the_database_on_postgresql(entry, signature):
    with pytest.raises(DatabaseError, match="never changed"):
        _raw("DELETE FROM records_journalsignature WHERE id = %s", [signature.pk])
    with pytest.raises(DatabaseError, match="never changed"):
        _raw("DELETE FROM records_journalentry WHERE id = %s", [entry.pk])
    _unchanged(entry)


def test_postgresql_refuses_raw_delete_and_sqlite_is_known_not_to(entry, signature):
    """The documented difference, pinned so a change to either side is noticed."""
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError):
            _raw("DELETE FROM records_journalsignature WHERE id = %s", [signature.pk])
        _unchanged(entry)
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                ["records_journalentry"],
            )
            triggers = {row[0] for row in cursor.fetchall()}
        assert triggers == {"records_journalentry_no_update"}
