"""A read's own access-log entry commits without waiting for the disk on PostgreSQL; an entry
in a change's transaction is as durable as the change; the checkpoint waits (ADR 0030)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.models import AccessLogEntry
from klinik.audit.services import _HEAD_GUESS, access_log_checkpoint, access_log_record
from klinik.core.choices import Role


def _record(actor, patient) -> AccessLogEntry:
    return access_log_record(
        actor=actor,
        action=Action.VIEW,
        purpose=Purpose.TREATMENT,
        channel=Channel.UI,
        object_type="patient",
        object_id=patient.public_id,
        patient_id=patient.public_id,
    )


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_a_reads_own_entry_commits_without_waiting_and_changes_wait(world, actor_for, tmp_path):
    actor = actor_for(world.member(Role.DOCTOR))
    _forget_the_head()
    # Twice: the first append takes the head's lock first (nothing to guess from), the second
    # guesses the head in one statement (docs/adr/0039). Both relax their own commit.
    with CaptureQueriesContext(connection) as locked:
        first = _record(actor, world.patient_a)
    with CaptureQueriesContext(connection) as guessed:
        entry = _record(actor, world.patient_a)
    assert entry.seq == first.seq + 1
    assert AccessLogEntry.objects.filter(pk=entry.pk, seq=entry.seq).exists()
    with transaction.atomic(), CaptureQueriesContext(connection) as shared:
        _record(actor, world.patient_a)
    assert not [q["sql"] for q in shared if "synchronous_commit" in q["sql"]]
    checkpoint = access_log_checkpoint(witness=tmp_path / "witness.log")
    assert checkpoint.seq == entry.seq + 1
    if connection.vendor == "postgresql":
        for own in (locked, guessed):
            relaxed = [q["sql"] for q in own if "synchronous_commit" in q["sql"]]
            assert len(relaxed) == 1, own.captured_queries
        assert len(guessed) == 1, guessed.captured_queries  # no BEGIN, no COMMIT
        assert len(shared) == 1, shared.captured_queries
        # SET LOCAL: the session's next transactions are durable again.
        assert _synchronous_commit() == "on"
    else:  # SQLite: nothing to relax
        assert [q for q in [*locked, *guessed] if "synchronous_commit" in q["sql"]] == []


def _forget_the_head() -> None:
    if hasattr(connection, _HEAD_GUESS):
        delattr(connection, _HEAD_GUESS)
