"""Witness checkpoints: the chain's head, written now and then to a file outside the database.

Someone who can write to the database (and get past its triggers) can delete the newest entries
and wind the head back to an earlier entry: what is left is a valid chain. A checkpoint taken
before that still names the later head, so `klinik audit verify` finds the gap. The file only
grows: one JSON object per line, appended with O_APPEND. In production it lives on another
host or disk than the database (docs/deployment.md).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from klinik.audit.errors import AuditCode
from klinik.errors import DomainError


class WitnessError(DomainError):
    """The witness file cannot be read or written (or contradicts itself)."""

    status = 500  # a fault of the server's disk, not of a request

    def __init__(self, code: AuditCode, message: str) -> None:
        super().__init__(code, message)


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: datetime

    def line(self) -> str:
        record = {"time": self.at.isoformat(), "seq": self.seq, "hash": self.hash}
        return json.dumps(record, separators=(", ", ": ")) + "\n"


def checkpoint_append(path: Path, checkpoint: Checkpoint) -> None:
    """Append one line and wait until it is on disk. Never creates directories: a missing
    directory is a witness disk that is not mounted, not a place to start a new file."""
    if not path.parent.is_dir():
        raise WitnessError(
            AuditCode.WITNESS_DIRECTORY_MISSING,
            f"The witness directory {path.parent} does not exist",
        )
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, checkpoint.line().encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def checkpoints_read(path: Path) -> list[Checkpoint] | None:
    """Every checkpoint in the file, oldest first; None when there is no file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise WitnessError(
            AuditCode.WITNESS_UNREADABLE, f"The witness file {path} cannot be read: {exc.strerror}"
        ) from exc
    checkpoints = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            checkpoints.append(
                Checkpoint(
                    seq=int(record["seq"]),
                    hash=str(record["hash"]),
                    at=datetime.fromisoformat(record["time"]),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise WitnessError(
                AuditCode.WITNESS_UNREADABLE,
                f"The witness file {path}, line {number}, is unreadable",
            ) from exc
    return checkpoints
