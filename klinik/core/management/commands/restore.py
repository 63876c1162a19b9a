"""`klinik restore PATH`: a backup into an empty database and data folder, then checked."""

from __future__ import annotations

import os
import subprocess
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from klinik.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a `klinik backup` file into an empty database and data folder (never over "
        "data), compare every table's row count with the backup's and verify the access log."
    )
    # The keys may come from the backup itself: start without the checks that need them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path, help="the backup file")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            report = backup_restore(
                path=path,
                passphrase=os.environ.get("KLINIK_BACKUP_KEY") or None,
                progress=lambda step: self.stderr.write(step),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for note in report.notes:
            self.stdout.write(note)
        if report.mismatches:
            raise CommandError(
                "Restored, but the row counts differ from the backup's: "
                + "; ".join(report.mismatches)
            )
        self.stdout.write(
            f"Restored {report.tables} tables, {report.rows} rows (every count as in the "
            f"backup) and {report.files} files."
        )
        # A new process: it reads the keys the restore may just have written.
        env = dict(os.environ)
        if env.pop("KLINIK_RESTORE_STAND_IN_KEY", ""):
            env.pop("KLINIK_SECRET_KEY", None)  # the one-off key klinik.__main__ set
        verify = subprocess.run(
            [sys.executable, "-m", "klinik", "audit", "verify"],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        self.stdout.write(verify.stdout.strip())
        if verify.returncode != 0:
            raise CommandError(f"The access log does not verify: {verify.stderr.strip()}")
