"""The chain's key: outside the database, required, rotatable; and the deployment checks."""

import hashlib
import hmac
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from klinik.audit import checks
from klinik.audit.chain import GENESIS_HASH, content_hash
from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.keys import audit_key_current
from klinik.audit.models import AccessLogEntry
from klinik.audit.selectors import access_log_verify
from klinik.audit.services import access_log_record
from klinik.audit.tests import attacker
from klinik.config import settings as settings_module
from klinik.core.choices import Role

KEY_A = "first-key-for-the-access-log-0123456789"
KEY_B = "second-key-for-the-access-log-0123456789"


@pytest.fixture
def record(world, actor_for):
    actor = actor_for(world.member(Role.NURSE))

    def _record(count: int = 1) -> list[AccessLogEntry]:
        return [
            access_log_record(
                actor=actor,
                action=Action.VIEW,
                purpose=Purpose.TREATMENT,
                channel=Channel.UI,
                patient_id=world.patient_a.public_id,
            )
            for _ in range(count)
        ]

    return _record


def _verify() -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("audit", "verify", stdout=out)
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


def test_the_chain_hash_is_an_hmac_with_the_configured_key(record, settings):
    settings.KLINIK_AUDIT_KEY = KEY_A
    first = AccessLogEntry.objects.order_by("-seq").first()
    entry = record()[0]
    stored = AccessLogEntry.objects.filter(pk=entry.pk).values().get()
    prev = first.entry_hash if first else GENESIS_HASH
    expected = hmac.new(
        KEY_A.encode(), (prev + content_hash(stored)).encode(), hashlib.sha256
    ).hexdigest()
    assert stored["entry_hash"] == expected == entry.entry_hash
    assert stored["key_id"] == audit_key_current().id
    assert KEY_A not in str(stored)
    assert (
        stored["entry_hash"] != hashlib.sha256((prev + content_hash(stored)).encode()).hexdigest()
    )


def test_nothing_is_logged_without_a_key(record, settings):
    settings.KLINIK_AUDIT_KEY = ""
    before = AccessLogEntry.objects.count()
    with pytest.raises(ImproperlyConfigured, match="KLINIK_AUDIT_KEY"):
        record()
    assert AccessLogEntry.objects.count() == before


def test_verify_fails_when_an_entry_s_key_is_not_configured(record, settings):
    settings.KLINIK_AUDIT_KEY = KEY_A
    entries = record(2)
    settings.KLINIK_AUDIT_KEY = KEY_B
    code, message = _verify()
    assert code == 1
    first_a = AccessLogEntry.objects.filter(key_id=entries[0].key_id).order_by("seq").first()
    assert f"entry #{first_a.seq}" in message
    assert f"signed with key {entries[0].key_id}, which is not configured" in message


def test_rotated_keys_keep_old_entries_verifiable(record, settings):
    settings.KLINIK_AUDIT_KEY = KEY_A
    old = record(3)
    settings.KLINIK_AUDIT_KEY, settings.KLINIK_AUDIT_RETIRED_KEYS = KEY_B, [KEY_A]
    new = record(3)
    assert old[0].key_id != new[0].key_id
    assert new[0].prev_hash == old[-1].entry_hash  # one chain across the rotation
    assert _verify()[0] == 0
    assert {e.key_id for e in AccessLogEntry.objects.filter(seq__gte=old[0].seq)} == {
        old[0].key_id,
        new[0].key_id,
    }
    settings.KLINIK_AUDIT_RETIRED_KEYS = []
    assert _verify()[0] == 1


def test_an_attacker_s_guessed_key_does_not_verify(record, settings):
    """Recomputing with some other key gives hashes the real key rejects."""
    settings.KLINIK_AUDIT_KEY = KEY_A
    entries = record(3)
    attacker.guards_off()
    attacker.edit(entries[1].pk, username="nobody")
    settings.KLINIK_AUDIT_KEY = KEY_B  # the attacker's guess, stored under the real key's id
    prev = entries[0].entry_hash
    for entry in entries[1:]:
        row = AccessLogEntry.objects.filter(pk=entry.pk).values().get()
        digest = hmac.new(
            KEY_B.encode(), (prev + content_hash(row)).encode(), hashlib.sha256
        ).hexdigest()
        attacker.edit(entry.pk, prev_hash=prev, entry_hash=digest)
        prev = digest
    attacker.head_set(last_hash=prev)
    settings.KLINIK_AUDIT_KEY = KEY_A
    code, message = _verify()
    assert code == 1
    assert f"entry #{entries[1].seq}" in message


def test_key_files_and_variables(tmp_path: Path, monkeypatch):
    """KLINIK_AUDIT_KEY wins; else the file's first line, its further lines retired."""
    monkeypatch.delenv("KLINIK_AUDIT_KEY", raising=False)
    monkeypatch.delenv("KLINIK_AUDIT_RETIRED_KEYS", raising=False)
    assert settings_module._audit_keys(tmp_path) == ("", [])
    (tmp_path / "audit_key").write_text(f"{KEY_B}\n{KEY_A}\n\n")
    assert settings_module._audit_keys(tmp_path) == (KEY_B, [KEY_A])
    monkeypatch.setenv("KLINIK_AUDIT_RETIRED_KEYS", "older-one, oldest-one")
    assert settings_module._audit_keys(tmp_path) == (KEY_B, [KEY_A, "older-one", "oldest-one"])
    monkeypatch.setenv("KLINIK_AUDIT_KEY", KEY_A)
    assert settings_module._audit_keys(tmp_path) == (KEY_A, ["older-one", "oldest-one"])


def test_a_missing_key_stops_start_up(settings):
    settings.KLINIK_AUDIT_KEY = ""
    assert [m.id for m in checks.audit_key_configured()] == ["audit.E001"]
    settings.KLINIK_AUDIT_KEY = "short"
    assert [m.id for m in checks.audit_key_configured()] == ["audit.W001"]
    settings.KLINIK_AUDIT_KEY = KEY_A
    assert checks.audit_key_configured() == []


def test_deploy_check_warns_when_klinik_connects_as_a_superuser(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL roles")
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone()[0], "the tests connect as a superuser"
    assert [m.id for m in checks.audit_database_role()] == ["audit.W002"]
    out, err = StringIO(), StringIO()
    call_command("check", deploy=True, stdout=out, stderr=err)
    assert "audit.W002" in out.getvalue() + err.getvalue()


def test_deploy_check_warns_when_klinik_connects_as_the_tables_owner(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL roles")
    with attacker.application_role() as role:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            cursor.execute(f"ALTER TABLE audit_accesslogentry OWNER TO {role}")
            cursor.execute(f"SET ROLE {role}")
        messages = checks.audit_database_role()
    assert [m.id for m in messages] == ["audit.W003"]
    assert role in messages[0].msg


def test_deploy_check_is_quiet_for_an_application_role_that_owns_nothing(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL roles")
    with attacker.application_role():
        assert checks.audit_database_role() == []


def test_deploy_check_warns_about_a_witness_beside_the_sqlite_database(settings):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite")
    database = Path(settings.DATABASES["default"]["NAME"]).resolve()
    settings.KLINIK_AUDIT_WITNESS = database.parent / "audit-witness.log"
    assert [m.id for m in checks.audit_database_role()] == ["audit.W005"]
    settings.KLINIK_AUDIT_WITNESS = Path("/mnt/witness/audit-witness.log")
    assert checks.audit_database_role() == []


def test_verify_reports_an_intact_rotated_log_after_checkpoints(record, settings):
    settings.KLINIK_AUDIT_KEY = KEY_A
    record(2)
    call_command("audit", "checkpoint", stdout=StringIO())
    settings.KLINIK_AUDIT_KEY, settings.KLINIK_AUDIT_RETIRED_KEYS = KEY_B, [KEY_A]
    record(2)
    call_command("audit", "checkpoint", stdout=StringIO())
    report = access_log_verify()
    assert report.is_intact
    assert report.checkpoints == 2
