"""A read's own access-log entry commits without waiting for the disk on PostgreSQL; an entry
in a change's transaction is as durable as the change; the checkpoint waits (ADR 0030)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.models import AccessLogEntry
from klinik.audit.services import access_log_checkpoint, access_log_record
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
    with CaptureQueriesContext(connection) as own:
        entry = _record(actor, world.patient_a)
    assert AccessLogEntry.objects.filter(pk=entry.pk, seq=entry.seq).exists()
    relaxed = [q["sql"] for q in own if "synchronous_commit" in q["sql"]]
    with transaction.atomic(), CaptureQueriesContext(connection) as shared:
        _record(actor, world.patient_a)
    assert not [q["sql"] for q in shared if "synchronous_commit" in q["sql"]]
    checkpoint = access_log_checkpoint(witness=tmp_path / "witness.log")
    assert checkpoint.seq == entry.seq + 1
    if connection.vendor == "postgresql":
        assert len(relaxed) == 1, own.captured_queries
        # SET LOCAL: the session's next transactions are durable again.
        assert _synchronous_commit() == "on"
    else:
        assert relaxed == []  # SQLite: nothing to relax
