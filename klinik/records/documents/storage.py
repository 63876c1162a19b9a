"""Where record documents are kept: outside the web root, under
DATA_DIR/documents/<organisation>/<random key> (never the original name), written to a
temporary file and renamed into place, sha256 recorded. A file written in a transaction that
then fails is removed again (`files_removed_on_failure`)."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from django.conf import settings

from klinik.records.models import Document

CHUNK = 64 * 1024


def documents_root() -> Path:
    return Path(settings.DATA_DIR) / "documents"


def document_path(document: Document) -> Path:
    root = documents_root().resolve()
    path = (root / document.storage_key).resolve()
    if root not in path.parents:  # a storage key never leaves the root
        raise ValueError("storage key outside the documents directory")
    return path


@contextmanager
def files_removed_on_failure() -> Iterator[list[Path]]:
    """Collects the files a transaction writes and removes them when it fails (the database
    has no row for them then). Wrap the transaction: `with files_removed_on_failure() as
    written, transaction.atomic(durable=True): ...`, so a failed commit is caught too."""
    written: list[Path] = []
    try:
        yield written
    except BaseException:
        for path in written:
            with suppress(OSError):
                path.unlink(missing_ok=True)
        raise


def _fsync_directory(directory: Path) -> None:
    with suppress(OSError):  # not every filesystem lets a directory be opened for syncing
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def file_write(*, organisation_key: str, upload: IO[bytes]) -> tuple[str, str, int, Path]:
    """Write the upload under a random name: temporary file, fsync, rename. Returns the
    storage key, the sha256, the size and the path."""
    directory = documents_root() / organisation_key
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_hex(20)
    final = directory / key
    temporary = directory / f".{key}.part"
    digest = hashlib.sha256()
    size = 0
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            upload.seek(0)
            while chunk := upload.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(directory)
    return f"{organisation_key}/{key}", digest.hexdigest(), size, final
