"""`klinik audit verify` catches what someone with database access does to the log.

Each test tampers as the tables' owner would (raw SQL, triggers off, the chain's public
algorithm); on PostgreSQL a role that does not own the tables is refused outright.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from klinik.audit.chain import GENESIS_HASH
from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.models import AccessLogEntry, ChainHead
from klinik.audit.selectors import access_log_verify
from klinik.audit.services import access_log_checkpoint, access_log_record
from klinik.audit.tests import attacker
from klinik.core.choices import Role


def _verify() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


@pytest.fixture
def record(world, actor_for):
    actor = actor_for(world.member(Role.SECRETARY))

    def _record(count: int = 1) -> list[AccessLogEntry]:
        return [
            access_log_record(
                actor=actor,
                action=Action.VIEW,
                purpose=Purpose.TREATMENT,
                channel=Channel.UI,
                object_type="patient",
                object_id=world.patient_a.public_id,
                patient_id=world.patient_a.public_id,
            )
            for _ in range(count)
        ]

    return _record


@pytest.fixture
def logged(record) -> list[AccessLogEntry]:
    return record(6)


def _require_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's roles and statement triggers")


# 1. Edit an entry and recompute the hashes after it with the public algorithm.


def test_edit_and_recompute_with_the_public_algorithm_is_caught(logged):
    attacker.guards_off()
    attacker.edit(logged[2].pk, username="someone-else")
    attacker.rechain(from_seq=logged[2].seq)
    code, message = _verify()
    assert code == 1
    assert f"entry #{logged[2].seq} (id {logged[2].pk})" in message
    assert "content does not match its hash" in message


def test_recomputed_entries_passed_off_as_from_before_the_key_are_caught(logged):
    attacker.guards_off()
    attacker.edit(logged[2].pk, reason="nothing to see")
    attacker.rechain(from_seq=logged[2].seq, unkeyed=True)
    code, message = _verify()
    assert code == 1
    assert f"entry #{logged[2].seq}" in message
    assert "has no key" in message


def test_moving_the_unkeyed_boundary_over_rewritten_entries_is_caught(logged):
    attacker.guards_off()
    attacker.edit(logged[2].pk, reason="nothing to see")
    attacker.rechain(from_seq=1, unkeyed=True)
    newest = attacker.entries()[-1]
    attacker.head_set(legacy_seq=newest["seq"], legacy_seal=f"{'0' * 16}:{'0' * 64}")
    code, message = _verify()
    assert code == 1
    assert f"entry #{newest['seq']}" in message
    assert "seal" in message


def test_an_unkeyed_boundary_past_the_end_of_the_chain_is_caught(logged):
    """Past the end, no entry carries the boundary's seal to check."""
    attacker.guards_off()
    attacker.rechain(from_seq=1, unkeyed=True)
    attacker.head_set(legacy_seq=10**9)
    code, message = _verify()
    assert code == 1
    assert "entries up to #1000000000 were written before the log was keyed" in message


# 2. Delete the newest entries and wind the head back.


def test_deleting_the_newest_entries_and_rewinding_the_head_is_caught(logged, record):
    access_log_checkpoint()
    record(2)  # after the checkpoint: these two could go unnoticed, the ones before not
    attacker.guards_off()
    attacker.delete_newest(4)
    code, message = _verify()
    assert code == 1
    assert f"below the witness checkpoint #{logged[-1].seq}" in message
    assert "newest entries were removed" in message


def test_a_head_wound_back_over_entries_still_there_is_caught(logged):
    attacker.guards_off()
    attacker.head_set(seq=logged[2].seq, last_hash=logged[2].entry_hash)
    code, message = _verify()
    assert code == 1
    assert f"entries up to #{logged[-1].seq} exist, but the head says #{logged[2].seq}" in message


def test_a_deleted_head_row_is_caught(logged):
    attacker.guards_off()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_chainhead")
    assert _verify()[0] == 1


def test_new_entries_after_a_rewind_do_not_hide_it(logged, record):
    """The application keeps appending after the rewind: the checkpointed number is reached
    again, but with another hash."""
    access_log_checkpoint()
    attacker.guards_off()
    attacker.delete_newest(3)
    record(5)
    code, message = _verify()
    assert code == 1
    assert f"entry #{logged[-1].seq}" in message
    assert "differs from the witness checkpoint" in message


# 3. Truncate (SQLite: delete everything) and wind the head back to the start.


def test_truncating_and_rewinding_is_caught(logged):
    access_log_checkpoint()
    attacker.guards_off()
    attacker.truncate()
    assert not AccessLogEntry.objects.exists()
    assert ChainHead.objects.get().last_hash == GENESIS_HASH
    code, message = _verify()
    assert code == 1
    assert f"the head is at #0, below the witness checkpoint #{logged[-1].seq}" in message


# 4. Switch the triggers off and edit an entry.


def test_switching_the_triggers_off_and_editing_is_caught(logged):
    attacker.guards_off()
    attacker.edit(logged[3].pk, purpose=str(Purpose.QUALITY))
    code, message = _verify()
    assert code == 1
    assert f"entry #{logged[3].seq} (id {logged[3].pk})" in message


def test_without_tampering_the_log_verifies_against_its_checkpoints(logged, record):
    access_log_checkpoint()
    record(3)
    access_log_checkpoint()
    code, output = _verify()
    assert code == 0, output
    report = access_log_verify()
    assert report.is_intact
    assert report.checkpoints == 2
    assert report.last_checkpoint is not None
    assert report.last_checkpoint.seq == AccessLogEntry.objects.latest("seq").seq


# PostgreSQL: the application's role, owning nothing, cannot do any of it.


def _refused(sql: str, params: list | None = None) -> str:
    with (
        pytest.raises(DatabaseError) as caught,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
    return str(caught.value)


def test_the_application_role_cannot_switch_the_triggers_off(logged):
    _require_postgresql()
    with attacker.application_role():
        for table in ("audit_accesslogentry", "audit_chainhead"):
            assert "must be owner" in _refused(f"ALTER TABLE {table} DISABLE TRIGGER USER")


def test_the_application_role_cannot_truncate(logged):
    _require_postgresql()
    with attacker.application_role():
        for table in ("audit_accesslogentry", "audit_chainhead"):
            message = _refused(f"TRUNCATE {table} CASCADE")
            assert "cannot be truncated" in message
    assert AccessLogEntry.objects.count() >= len(logged)


def test_the_application_role_cannot_move_the_head_back_or_delete_it(logged):
    _require_postgresql()
    head = ChainHead.objects.get()
    with attacker.application_role():
        assert "only moves forward" in _refused(
            "UPDATE audit_chainhead SET seq = %s, last_hash = %s",
            [logged[2].seq, logged[2].entry_hash],
        )
        assert "only moves forward" in _refused(
            "UPDATE audit_chainhead SET last_hash = %s", [logged[2].entry_hash]
        )
        assert "only moves forward" in _refused(
            "UPDATE audit_chainhead SET seq = seq + 1, legacy_seq = seq + 1"
        )
        assert "append-only" in _refused("DELETE FROM audit_chainhead")
        assert "append-only" in _refused(
            "DELETE FROM audit_accesslogentry WHERE id = %s", [logged[-1].pk]
        )
        assert "append-only" in _refused(
            "UPDATE audit_accesslogentry SET reason = 'x' WHERE id = %s", [logged[0].pk]
        )
    assert ChainHead.objects.get().seq == head.seq


def test_the_application_role_appends_and_verifies(logged, record):
    _require_postgresql()
    with attacker.application_role():
        record(2)
        assert access_log_verify().is_intact
    assert ChainHead.objects.get().seq == logged[-1].seq + 2
