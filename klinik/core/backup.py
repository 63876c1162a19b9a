"""Backup and restore of a whole installation: the database, the data folder's files (uploaded
documents, dictation audio), the access log's witness and, in an encrypted backup, the keys
(docs/backup.md).

A backup is one file: a tar stream, encrypted when KLINIK_BACKUP_KEY is set. It holds

    manifest.json      format, time, database vendor, the row count of every table
    database.sqlite3   SQLite's online backup of the live database, or
    database.pgdump    `pg_dump -Fc` of the same snapshot the counts were taken in
    witness.log        the audit witness, copied *before* the database, so every checkpoint
                       in it is at or below the restored log's head
    files/...          the data folder's other files (documents, audio, media)
    keys.json          only when encrypted: secret, field and audit keys

It is consistent while Klinik runs: SQLite's backup API copies one committed state; on
PostgreSQL the counts and pg_dump share one exported snapshot. The file is written beside its
final name and renamed when complete, so a failed backup leaves nothing that looks like one.

Encryption: AES-256-GCM in 1 MiB chunks (the STREAM construction: a random nonce prefix, the
chunk number and a last-chunk flag in each nonce, so chunks cannot be reordered, dropped or
cut off without the restore noticing), the key derived from the passphrase with scrypt.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

FORMAT = 1
MAGIC = b"KLINIK-BACKUP-AESGCM-1\n"
CHUNK = 1 << 20
_SALT_BYTES = 16
_PREFIX_BYTES = 7  # + 4 bytes chunk number + 1 byte last flag = the 12-byte GCM nonce
# Files of the data folder a backup leaves out: the database itself (copied consistently
# instead), what is made again on start (collected static files, the server's socket), the
# test suite's folders, keys (in keys.json when encrypted) and the witness (copied first).
_SKIPPED_NAMES = {"static", "test", "ci", "gunicorn.ctl", "secret_key", "field_key", "audit_key"}
_SKIPPED_SUFFIXES = (".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal")
_WORK_PREFIX = ".klinik-backup-"


class BackupError(Exception):
    """A backup or restore refused or failed; the message says what to do (console, English)."""


@dataclass
class BackupReport:
    path: Path
    vendor: str
    tables: int
    rows: int
    files: int
    encrypted: bool
    bytes: int = 0


@dataclass
class RestoreReport:
    vendor: str
    tables: int
    rows: int
    files: int
    mismatches: list[str] = field(default_factory=list)  # "table: expected N, found M"
    notes: list[str] = field(default_factory=list)


# Encryption ---------------------------------------------------------------------------------


def _derive(passphrase: str, salt: bytes) -> AESGCM:
    key = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode())
    return AESGCM(key)


def _nonce(prefix: bytes, number: int, last: bool) -> bytes:
    return prefix + struct.pack(">I?", number, last)


class _EncryptingWriter(io.RawIOBase):
    """Write-only stream: plaintext in, MAGIC + salt + prefix + length-prefixed chunks out."""

    def __init__(self, raw: IO[bytes], passphrase: str) -> None:
        salt, self._prefix = os.urandom(_SALT_BYTES), os.urandom(_PREFIX_BYTES)
        self._raw, self._aead = raw, _derive(passphrase, salt)
        self._buffer = bytearray()
        self._number = 0
        raw.write(MAGIC + salt + self._prefix)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep one chunk back: the last one is flagged
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, plain: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._number, last), plain, None)
        self._raw.write(struct.pack(">I", len(sealed)) + sealed)
        self._number += 1

    def finish(self) -> None:
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()


class _DecryptingReader(io.RawIOBase):
    def __init__(self, raw: IO[bytes], passphrase: str) -> None:
        header = raw.read(len(MAGIC) + _SALT_BYTES + _PREFIX_BYTES)
        salt = header[len(MAGIC) : len(MAGIC) + _SALT_BYTES]
        self._prefix = header[len(MAGIC) + _SALT_BYTES :]
        self._raw, self._aead = raw, _derive(passphrase, salt)
        self._plain = b""
        self._number = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._plain and not self._done:
            self._next_chunk()
        count = min(len(target), len(self._plain))
        target[:count] = self._plain[:count]
        self._plain = self._plain[count:]
        return count

    def _next_chunk(self) -> None:
        length = self._raw.read(4)
        if len(length) < 4:
            raise BackupError("The backup is cut off: its last part is missing.")
        sealed = self._raw.read(struct.unpack(">I", length)[0])
        for last in (False, True):
            try:
                self._plain = self._aead.decrypt(
                    _nonce(self._prefix, self._number, last), sealed, None
                )
            except InvalidTag:
                continue
            self._number += 1
            self._done = last
            return
        if self._number == 0:
            raise BackupError("Wrong KLINIK_BACKUP_KEY, or the backup file is damaged.")
        raise BackupError(f"The backup file is damaged (part {self._number + 1}).")


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as raw:
        return raw.read(len(MAGIC)) == MAGIC


# Backup -------------------------------------------------------------------------------------


def _vendor() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def _count_sqlite(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as db:
        names = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {
            name: db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]  # noqa: S608
            for name in names
        }


def _count_tables() -> dict[str, int]:
    """Every table's row count through Django's connection (in the current transaction)."""
    quote = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for name in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {quote(name)}")  # noqa: S608
            counts[name] = cursor.fetchone()[0]
    return counts


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """libpq arguments and environment for pg_dump/pg_restore on Django's database."""
    db = connection.settings_dict
    args = [f"--dbname={db['NAME']}", f"--username={db.get('USER') or 'postgres'}"]
    if db.get("HOST"):
        args.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        args.append(f"--port={db['PORT']}")
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")


def _database_copy(work: Path) -> dict[str, int]:
    """The live database into `work`, and the row counts of that same state."""
    if _vendor() == "sqlite":
        target = work / "database.sqlite3"
        source = sqlite3.connect(str(connection.settings_dict["NAME"]))
        with closing(source), closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
        return _count_sqlite(target)
    args, env = _pg_env()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = _count_tables()
        _run(
            [
                "pg_dump",
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={work / 'database.pgdump'}",
                *args,
            ],
            env,
        )
    return counts


def _data_files(skip: set[Path]) -> Iterator[Path]:
    """The data folder's files a backup carries, relative to it."""
    root = Path(settings.DATA_DIR)
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if not (here == root and d in _SKIPPED_NAMES) and not d.startswith(_WORK_PREFIX)
        )
        for name in sorted(files):
            path = here / name
            if here == root and name in _SKIPPED_NAMES:
                continue
            if name.endswith(_SKIPPED_SUFFIXES) or path in skip or not path.is_file():
                continue
            yield path.relative_to(root)


def _keys() -> dict[str, Any]:
    # The last field key is derived from the secret key unless one was configured alone.
    derived_only = settings.KLINIK_FIELD_KEY_DERIVED
    return {
        "secret_key": settings.SECRET_KEY,
        "field_keys": [] if derived_only else settings.KLINIK_FIELD_KEYS[:-1],
        "audit_key": settings.KLINIK_AUDIT_KEY,
        "audit_retired_keys": list(settings.KLINIK_AUDIT_RETIRED_KEYS),
    }


@contextmanager
def _output(path: Path, passphrase: str | None) -> Iterator[IO[bytes]]:
    """A new file at `path`, written under a temporary name and renamed when complete."""
    partial = path.with_name(f"{_WORK_PREFIX}{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as raw:
            if passphrase:
                writer = _EncryptingWriter(raw, passphrase)
                yield writer  # type: ignore[misc]
                writer.finish()
            else:
                yield raw
            raw.flush()
            os.fsync(raw.fileno())
        if path.exists():
            raise BackupError(f"{path} appeared while the backup was written; nothing replaced.")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def backup_create(
    *, path: Path, passphrase: str | None, progress: Callable[[str], None] = lambda _: None
) -> BackupReport:
    """Write a consistent backup of this installation to `path`, a file that must not exist."""
    path = path.resolve()
    if path.exists():
        raise BackupError(f"{path} exists: give a new file name (a backup never overwrites).")
    if not path.parent.is_dir():
        raise BackupError(f"No folder {path.parent}.")
    witness = Path(settings.KLINIK_AUDIT_WITNESS)
    work = Path(tempfile.mkdtemp(prefix=_WORK_PREFIX, dir=path.parent))
    try:
        # The witness before the database: its checkpoints are then all within the copy.
        if witness.is_file():
            shutil.copyfile(witness, work / "witness.log")
        progress("database")
        counts = _database_copy(work)
        files = list(_data_files(skip={witness, path}))
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "vendor": _vendor(),
            "counts": counts,
            "files": len(files),
            "witness": witness.is_file(),
            "keys": bool(passphrase),
        }
        progress("files")
        with _output(path, passphrase) as out, tarfile.open(fileobj=out, mode="w|") as tar:
            _tar_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
            for name in ("database.sqlite3", "database.pgdump", "witness.log"):
                if (work / name).exists():
                    tar.add(work / name, arcname=name)
            root = Path(settings.DATA_DIR)
            for relative in files:
                tar.add(root / relative, arcname=f"files/{relative.as_posix()}")
            if passphrase:
                _tar_bytes(tar, "keys.json", json.dumps(_keys()).encode())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupReport(
        path=path,
        vendor=manifest["vendor"],  # type: ignore[arg-type]
        tables=len(counts),
        rows=sum(counts.values()),
        files=len(files),
        encrypted=bool(passphrase),
        bytes=path.stat().st_size,
    )


def _tar_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def backups_prune(*, folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups (klinik-*.kbk) in `folder`; the deleted."""
    found = sorted(folder.glob("klinik-*.kbk"), key=lambda p: p.name, reverse=True)
    for old in found[keep:]:
        old.unlink()
    return found[keep:]


# Restore ------------------------------------------------------------------------------------


def _data_folder_empty() -> list[str]:
    """What in the data folder a restore would overwrite (empty: nothing)."""
    root = Path(settings.DATA_DIR)
    found = [str(p) for p in (root / name for name in ("documents", "media")) if any_file(p)]
    witness = Path(settings.KLINIK_AUDIT_WITNESS)
    if witness.is_file() and witness.stat().st_size:
        found.append(str(witness))
    return found


def any_file(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))


def _database_empty() -> bool:
    if _vendor() == "sqlite":
        name = Path(str(connection.settings_dict["NAME"]))
        return not name.exists() or name.stat().st_size == 0 or not _count_sqlite(name)
    _pg_database_ensure()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        return bool(cursor.fetchone()[0] == 0)


def _pg_database_ensure() -> None:
    """Create the database DATABASE_URL names when it does not exist yet."""
    import psycopg
    from psycopg import sql

    db = connection.settings_dict
    try:
        connection.ensure_connection()
        return
    except Exception as exc:  # any failure: see whether the database is missing
        if "does not exist" not in str(exc):
            raise BackupError(f"Cannot connect to the database: {exc}") from exc
    with psycopg.connect(
        dbname="postgres",
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    ) as maintenance:
        maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))


@contextmanager
def _input(path: Path, passphrase: str | None) -> Iterator[IO[bytes]]:
    with path.open("rb") as raw:
        if raw.read(len(MAGIC)) == MAGIC:
            if not passphrase:
                raise BackupError("The backup is encrypted: set KLINIK_BACKUP_KEY to restore it.")
            raw.seek(0)
            yield io.BufferedReader(_DecryptingReader(raw, passphrase), CHUNK)
        else:
            raw.seek(0)
            yield raw


def _unpack(path: Path, passphrase: str | None, work: Path) -> dict[str, Any]:
    try:
        with _input(path, passphrase) as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                # The "data" filter: no absolute paths, links out of the folder or devices.
                tar.extract(member, work, filter="data")
    except tarfile.TarError as exc:
        raise BackupError(f"{path} is not a Klinik backup ({exc}).") from exc
    manifest_path = work / "manifest.json"
    if not manifest_path.is_file():
        raise BackupError(f"{path} is not a Klinik backup (no manifest).")
    manifest: dict[str, Any] = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Backup format {manifest.get('format')} is not one this Klinik reads.")
    return manifest


def _key_files(keys: dict[str, Any], notes: list[str]) -> None:
    """Keys from an encrypted backup become the data folder's key files where none is set."""
    root = Path(settings.DATA_DIR)
    wanted = {
        "secret_key": ("KLINIK_SECRET_KEY", [keys["secret_key"]]),
        # The key file holds one key: the one that encrypts (older ones: KLINIK_FIELD_KEY).
        "field_key": ("KLINIK_FIELD_KEY", keys["field_keys"][:1]),
        "audit_key": ("KLINIK_AUDIT_KEY", [keys["audit_key"], *keys["audit_retired_keys"]]),
    }
    for name, (variable, values) in wanted.items():
        values = [v for v in values if v]
        if not values:
            continue
        configured = os.environ.get(variable, "")
        if variable == "KLINIK_SECRET_KEY" and os.environ.get("KLINIK_RESTORE_STAND_IN_KEY"):
            configured = ""  # the one-off key klinik.__main__ started the restore with
        if configured:
            if configured.split(",")[0].strip() != values[0]:
                notes.append(f"{variable} differs from the backup's key: the backup's is ignored.")
            continue
        target = root / name
        if target.exists() and target.read_text().split() != values:
            notes.append(f"{target} differs from the backup's key: left as it is.")
            continue
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write("\n".join(values) + "\n")
        notes.append(f"{name} restored from the backup.")


def _database_put(work: Path) -> None:
    """The unpacked database in place of the empty one."""
    if _vendor() == "sqlite":
        connection.close()
        target = Path(str(connection.settings_dict["NAME"]))
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(work / "database.sqlite3", target)
        target.chmod(0o600)
        return
    args, env = _pg_env()
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            *args,
            str(work / "database.pgdump"),
        ],
        env,
    )


def _files_put(work: Path) -> int:
    """The unpacked data-folder files and witness in their places; how many files."""
    root = Path(settings.DATA_DIR)
    files = 0
    unpacked = work / "files"
    if unpacked.is_dir():
        for source in sorted(p for p in unpacked.rglob("*") if p.is_file()):
            target = root / source.relative_to(unpacked)
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.replace(source, target)
            files += 1
    if (work / "witness.log").is_file():
        witness = Path(settings.KLINIK_AUDIT_WITNESS)
        witness.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.replace(work / "witness.log", witness)
    return files


def backup_restore(
    *, path: Path, passphrase: str | None, progress: Callable[[str], None] = lambda _: None
) -> RestoreReport:
    """Restore the backup at `path` into this installation, whose database and data folder
    must be empty. The row counts are compared with the backup's; `klinik audit verify` is the
    caller's next step (it reads the restored keys)."""
    path = path.resolve()
    if not path.is_file():
        raise BackupError(f"No backup file {path}.")
    if not _database_empty():
        raise BackupError(
            "The database is not empty: restore only into a new, empty database "
            "(a restore never overwrites data)."
        )
    occupied = _data_folder_empty()
    if occupied:
        raise BackupError(f"The data folder is not empty: {', '.join(occupied)}.")
    root = Path(settings.DATA_DIR)
    work = Path(tempfile.mkdtemp(prefix=_WORK_PREFIX, dir=root))
    notes: list[str] = []
    try:
        progress("unpacking")
        manifest = _unpack(path, passphrase, work)
        if manifest["vendor"] != _vendor():
            raise BackupError(
                f"The backup is of a {manifest['vendor']} database; this installation uses "
                f"{_vendor()}. Restore into the same kind, then move the data (docs/backup.md)."
            )
        progress("database")
        _database_put(work)
        progress("files")
        files = _files_put(work)
        if (work / "keys.json").is_file():
            _key_files(json.loads((work / "keys.json").read_text()), notes)
        elif manifest.get("keys") is False:
            notes.append(
                "The backup holds no keys (it is not encrypted): use the installation's own "
                "secret, field and audit keys."
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    counts = _count_tables()
    expected: dict[str, int] = manifest["counts"]
    mismatches = [
        f"{table}: expected {expected.get(table, 0)}, found {counts.get(table, 0)}"
        for table in sorted(set(expected) | set(counts))
        if expected.get(table, 0) != counts.get(table, 0)
    ]
    return RestoreReport(
        vendor=_vendor(),
        tables=len(counts),
        rows=sum(counts.values()),
        files=files,
        mismatches=mismatches,
        notes=notes,
    )


def backup_name() -> str:
    """A dated file name for a backup in a folder of backups."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return f"klinik-{stamp}-{secrets.token_hex(2)}.kbk"
