"""`klinik backup` and `klinik restore` (issue 13): a round trip on the running test database
into a new, empty installation — a new data folder, and on PostgreSQL a new database — in its
own process, as an administrator would restore onto another machine."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from klinik.audit.choices import Channel
from klinik.audit.services import access_log_checkpoint
from klinik.core.backup import MAGIC, _count_tables
from klinik.core.choices import Role
from klinik.core.tests.servers import REPO_ROOT
from klinik.patients.selectors import patient_search

pytestmark = pytest.mark.django_db(transaction=True)

DOCUMENT = b"%PDF-1.4 a referral letter"


@pytest.fixture
def installation(world, actor_for, settings, tmp_path) -> Path:
    """The running installation: a data folder with a document, a logged search, a witness."""
    data = tmp_path / "data"
    (data / "documents" / "2f").mkdir(parents=True)
    (data / "documents" / "2f" / "2f9a.pdf").write_bytes(DOCUMENT)
    settings.DATA_DIR = data
    settings.KLINIK_AUDIT_WITNESS = data / "audit-witness.log"
    actor = actor_for(world.member(Role.SECRETARY))
    patient_search(actor=actor, query=world.patient_a.cpr, channel=Channel.UI)
    access_log_checkpoint()
    patient_search(actor=actor, query="jensen", channel=Channel.UI)  # past the checkpoint
    return data


@pytest.fixture
def new_installation(tmp_path) -> Iterator[dict[str, str]]:
    """The environment of a new, empty installation (on PostgreSQL: a database not made yet)."""
    data = tmp_path / "restored"
    data.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env |= {"KLINIK_DATA_DIR": str(data), "KLINIK_AUDIT_KEY": settings.KLINIK_AUDIT_KEY}
    env.pop("KLINIK_AUDIT_WITNESS", None)
    env.pop("DATABASE_URL", None)
    database = ""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        database = f"klinik_restore_{uuid.uuid4().hex[:10]}"
        env["DATABASE_URL"] = (
            f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:"
            f"{db.get('PORT') or 5432}/{database}"
        )
    yield env
    if database:
        db = connection.settings_dict
        with psycopg.connect(
            dbname="postgres",
            user=db.get("USER") or "postgres",
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            autocommit=True,
        ) as maintenance:
            maintenance.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )


def klinik(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "klinik", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_a_backup_restores_into_a_new_installation_with_every_row_and_file(
    installation, new_installation, tmp_path
):
    path = tmp_path / "klinik.kbk"
    call_command("backup", str(path), stdout=(out := _Out()))
    assert f"Backup written to {path}" in out.text
    assert "Not encrypted" in out.text
    assert path.stat().st_mode & 0o777 == 0o600
    counts = _count_tables()

    env = new_installation | {"KLINIK_SECRET_KEY": settings.SECRET_KEY}
    restored = klinik("restore", str(path), env=env)
    assert restored.returncode == 0, restored.stderr
    assert "every count as in the backup" in restored.stdout
    assert f"{len(counts)} tables, {sum(counts.values())} rows" in restored.stdout
    assert "intact" in restored.stdout.lower()  # `klinik audit verify`, witness included
    data = Path(env["KLINIK_DATA_DIR"])
    assert (data / "documents" / "2f" / "2f9a.pdf").read_bytes() == DOCUMENT
    assert (data / "audit-witness.log").read_text() == (
        installation / "audit-witness.log"
    ).read_text()

    # Restoring again would overwrite: refused, nothing changed.
    again = klinik("restore", str(path), env=env)
    assert again.returncode != 0
    assert "not empty" in again.stderr


def test_an_encrypted_backup_hides_the_data_and_brings_the_keys(
    installation, new_installation, tmp_path, world, monkeypatch
):
    monkeypatch.setenv("KLINIK_BACKUP_KEY", "correct horse battery staple")
    path = tmp_path / "klinik.kbk"
    call_command("backup", str(path), stdout=_Out())
    raw = path.read_bytes()
    assert raw.startswith(MAGIC)
    assert world.patient_a.family_name.encode() not in raw
    assert DOCUMENT not in raw

    # A new machine with nothing but the backup key: the keys come from the backup.
    env = {
        k: v
        for k, v in new_installation.items()
        if k not in ("KLINIK_SECRET_KEY", "KLINIK_AUDIT_KEY", "KLINIK_FIELD_KEY")
    }
    wrong = klinik("restore", str(path), env=env | {"KLINIK_BACKUP_KEY": "wrong"})
    assert wrong.returncode != 0
    assert "Wrong KLINIK_BACKUP_KEY" in wrong.stderr
    missing = klinik("restore", str(path), env=env)
    assert "set KLINIK_BACKUP_KEY" in missing.stderr

    restored = klinik(
        "restore", str(path), env=env | {"KLINIK_BACKUP_KEY": "correct horse battery staple"}
    )
    assert restored.returncode == 0, restored.stderr
    data = Path(env["KLINIK_DATA_DIR"])
    assert (data / "audit_key").read_text().split()[0] == settings.KLINIK_AUDIT_KEY
    assert (data / "secret_key").read_text().strip() == settings.SECRET_KEY
    assert (data / "audit_key").stat().st_mode & 0o777 == 0o600
    assert "intact" in restored.stdout.lower()


def test_a_damaged_or_cut_off_encrypted_backup_is_refused(
    installation, new_installation, tmp_path, monkeypatch
):
    monkeypatch.setenv("KLINIK_BACKUP_KEY", "k")
    path = tmp_path / "klinik.kbk"
    call_command("backup", str(path), stdout=_Out())
    cut = tmp_path / "cut.kbk"
    cut.write_bytes(path.read_bytes()[:-100])
    env = new_installation | {"KLINIK_SECRET_KEY": settings.SECRET_KEY, "KLINIK_BACKUP_KEY": "k"}
    result = klinik("restore", str(cut), env=env)
    assert result.returncode != 0
    assert "damaged" in result.stderr or "cut off" in result.stderr


def test_a_backup_never_overwrites_and_needs_a_folder(installation, tmp_path):
    existing = tmp_path / "there.kbk"
    existing.write_bytes(b"keep me")
    with pytest.raises(CommandError, match="exists"):
        call_command("backup", str(existing), stdout=_Out())
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(CommandError, match="No folder"):
        call_command("backup", str(tmp_path / "missing" / "x.kbk"), stdout=_Out())
    assert not list(tmp_path.glob(".klinik-backup-*"))  # no half-written file left


def test_a_folder_of_dated_backups_keeps_the_newest(installation, tmp_path, clock):
    folder = tmp_path / "backups"
    folder.mkdir()
    for minute in range(3):
        clock.set(clock.now.replace(minute=minute))
        call_command("backup", "--dir", str(folder), "--keep", "2", stdout=_Out())
    kept = sorted(p.name for p in folder.iterdir())
    assert len(kept) == 2
    assert [name[18:20] for name in kept] == ["01", "02"]  # klinik-YYYYMMDD-HHMMSS: the newest
    assert all(name.startswith("klinik-") and name.endswith(".kbk") for name in kept)


class _Out:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass
