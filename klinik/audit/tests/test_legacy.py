"""Entries written before the chain was keyed: a database upgraded through migration 0007."""

import uuid
from collections.abc import Iterator

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from klinik.audit.chain import GENESIS_HASH, content_hash, legacy_link_hash
from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.keys import audit_key_current
from klinik.audit.models import ChainHead
from klinik.audit.selectors import access_log_verify
from klinik.audit.services import access_log_record
from klinik.audit.tests import attacker

BEFORE_KEYS = ("audit", "0005_action_password_change")
COLUMNS = (
    "occurred_at", "user_id", "username", "organisation_id", "unit_id", "role", "action",
    "object_type", "object_id", "patient_id", "purpose", "reason", "is_break_glass", "channel",
)  # fmt: skip


def _migrate(target: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(target)


def _latest() -> list[tuple[str, str]]:
    """Every app's latest migration: going back unapplies the apps that depend on audit."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def upgraded_dev_database(transactional_db: None) -> Iterator[int]:
    """A database whose log was written by the code before the key (3 entries), migrated."""
    latest = _latest()
    _migrate([BEFORE_KEYS])
    try:
        _write_unkeyed_entries(3)
        _migrate(latest)
        yield 3
    finally:
        _migrate(latest)


def _write_unkeyed_entries(count: int) -> None:
    """The rows the code before the key wrote: plain sha256 chain hashes, no key id."""
    prev_hash = GENESIS_HASH
    placeholders = ", ".join(["%s"] * (3 + len(COLUMNS)))
    with connection.cursor() as cursor:
        for seq in range(1, count + 1):
            patient_id = uuid.uuid4()
            fields = {
                "occurred_at": timezone.now(),
                "user_id": None,
                "username": "sekretaer",
                "organisation_id": None,
                "unit_id": None,
                "role": "",
                "action": str(Action.VIEW),
                "object_type": "patient",
                "object_id": str(patient_id),
                "patient_id": patient_id,
                "purpose": str(Purpose.TREATMENT),
                "reason": "",
                "is_break_glass": False,
                "channel": str(Channel.UI),
            }
            digest = legacy_link_hash(prev_hash, content_hash(fields))
            values = {
                **fields,
                "occurred_at": connection.ops.adapt_datetimefield_value(fields["occurred_at"]),
                "patient_id": patient_id
                if connection.features.has_native_uuid_field
                else patient_id.hex,
            }
            cursor.execute(
                "INSERT INTO audit_accesslogentry (seq, prev_hash, entry_hash, "  # noqa: S608
                f"{', '.join(COLUMNS)}) VALUES ({placeholders})",
                [seq, prev_hash, digest, *(values[c] for c in COLUMNS)],
            )
            prev_hash = digest
        cursor.execute(
            "INSERT INTO audit_chainhead (id, seq, prev_hash, last_hash) VALUES (1, %s, '', %s)",
            [count, prev_hash],
        )


def _record() -> None:
    access_log_record(
        actor=None,
        username="sekretaer",
        action=Action.LOGIN,
        purpose=Purpose.SECURITY,
        channel=Channel.UI,
    )


def test_the_unkeyed_prefix_verifies_and_keyed_entries_follow(upgraded_dev_database):
    head = ChainHead.objects.get()
    assert head.legacy_seq == upgraded_dev_database
    assert head.legacy_seal.startswith(audit_key_current().id + ":")
    report = access_log_verify()
    assert report.is_intact, report.first_break
    assert (report.checked, report.legacy) == (3, 3)

    _record()
    report = access_log_verify()
    assert report.is_intact, report.first_break
    assert (report.checked, report.legacy) == (4, 3)


def test_a_rewritten_unkeyed_prefix_is_caught_by_its_seal(upgraded_dev_database):
    with transaction.atomic():
        attacker.guards_off()
        first = attacker.entries()[0]
        attacker.edit(first["id"], username="someone-else")
        attacker.rechain(unkeyed=True)
        report = access_log_verify()
        transaction.set_rollback(True)  # the triggers come back with the rollback
    assert report.first_break is not None
    assert report.first_break.seq == upgraded_dev_database
    assert "seal" in report.first_break.problem


def test_the_unkeyed_prefix_cannot_grow(upgraded_dev_database):
    _record()
    with transaction.atomic():
        attacker.guards_off()
        attacker.rechain(from_seq=4, unkeyed=True)
        report = access_log_verify()
        transaction.set_rollback(True)
    assert report.first_break is not None
    assert report.first_break.seq == 4
    assert "has no key" in report.first_break.problem
