"""The access log is append-only and tamper-evident: `klinik audit verify` finds the break."""

import itertools
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.errors import AuditError
from klinik.audit.models import AccessLogEntry
from klinik.audit.selectors import access_log_verify
from klinik.audit.services import access_log_record
from klinik.core.choices import Role


def _entries(actor, patient, n: int) -> list[AccessLogEntry]:
    return [
        access_log_record(
            actor=actor,
            action=Action.VIEW,
            purpose=Purpose.TREATMENT,
            channel=Channel.UI,
            object_type="patient",
            object_id=patient.public_id,
            patient_id=patient.public_id,
        )
        for _ in range(n)
    ]


def _verify() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


def _drop_update_guard() -> None:
    """What an attacker with database access would do first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER audit_entry_no_update ON audit_accesslogentry")
            cursor.execute("DROP TRIGGER audit_entry_no_delete ON audit_accesslogentry")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")


@pytest.fixture
def logged(world, actor_for):
    actor = actor_for(world.member(Role.SECRETARY))
    return _entries(actor, world.patient_a, 5)


def test_intact_chain_verifies(logged):
    code, output = _verify()
    assert code == 0
    assert "intact" in output
    report = access_log_verify()
    assert report.is_intact and report.checked >= 5


def test_entries_link_to_the_one_before(logged):
    for before, after in itertools.pairwise(logged):
        assert after.prev_hash == before.entry_hash
        assert after.seq == before.seq + 1


def test_tampered_row_breaks_verification_naming_it(logged):
    target = logged[2]
    _drop_update_guard()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_accesslogentry SET username = %s WHERE id = %s", ["someone", target.pk]
        )
    code, message = _verify()
    assert code == 1
    assert f"#{target.seq}" in message
    assert f"id {target.pk}" in message
    assert "does not match" in message


def test_deleted_row_breaks_verification(logged):
    target = logged[1]
    _drop_update_guard()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_accesslogentry WHERE id = %s", [target.pk])
    code, message = _verify()
    assert code == 1
    assert f"#{target.seq}" in message


def test_truncated_tail_breaks_verification(logged):
    _drop_update_guard()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_accesslogentry WHERE id = %s", [logged[-1].pk])
    assert _verify()[0] == 1


def test_database_refuses_updates(logged):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_accesslogentry SET reason = 'x' WHERE id = %s", [logged[0].pk])
    assert _verify()[0] == 0


def test_postgresql_refuses_deletes(logged):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite: deletes are refused by the model layer and caught by the chain")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_accesslogentry WHERE id = %s", [logged[0].pk])


def test_model_layer_refuses_bulk_changes(logged):
    with pytest.raises(TypeError):
        AccessLogEntry.objects.filter(pk=logged[0].pk).update(reason="x")
    with pytest.raises(TypeError):
        AccessLogEntry.objects.filter(pk=logged[0].pk).delete()
    assert AccessLogEntry.objects.filter(pk=logged[0].pk).exists()


def test_entry_rolls_back_with_the_change_it_describes(world, actor_for):
    actor = actor_for(world.member(Role.SECRETARY))
    count = AccessLogEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        _entries(actor, world.patient_a, 1)
        raise RuntimeError("the change failed")
    assert AccessLogEntry.objects.count() == count
    assert access_log_verify().is_intact


def test_break_the_glass_requires_a_reason(world, actor_for):
    actor = actor_for(world.member(Role.SECRETARY))
    with pytest.raises(AuditError):
        access_log_record(
            actor=actor,
            action=Action.VIEW,
            purpose=Purpose.BREAK_GLASS,
            channel=Channel.UI,
            is_break_glass=True,
            reason="   ",
        )


def test_entry_records_who_where_what_and_why(world, actor_for):
    membership = world.member(Role.NURSE)
    entry = _entries(actor_for(membership), world.patient_a, 1)[0]
    entry.refresh_from_db()
    assert entry.user == membership.user
    assert entry.username == membership.user.username
    assert entry.organisation == world.org_a
    assert entry.unit == world.unit_a
    assert entry.role == Role.NURSE
    assert entry.patient_id == world.patient_a.public_id
    assert entry.purpose == Purpose.TREATMENT
    assert entry.occurred_at is not None
