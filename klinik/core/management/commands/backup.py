"""`klinik backup PATH` (or `--dir FOLDER --keep N`): a consistent backup while Klinik runs."""

from __future__ import annotations

import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from klinik.core.backup import BackupError, backup_create, backup_name, backups_prune


class Command(BaseCommand):
    help = (
        "Back up the database, the data folder's files and the audit witness into one file "
        "(encrypted, with the keys, when KLINIK_BACKUP_KEY is set). `PATH` must not exist; "
        "`--dir FOLDER` names the file by the time and `--keep N` deletes all but the newest N."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", nargs="?", type=Path, help="the backup file to write")
        parser.add_argument("--dir", type=Path, help="write klinik-<time>.kbk into this folder")
        parser.add_argument("--keep", type=int, help="with --dir: keep only the newest N")

    def handle(self, *args: Any, path: Path | None, **options: Any) -> None:
        folder: Path | None = options["dir"]
        keep: int | None = options["keep"]
        if (path is None) == (folder is None):
            raise CommandError("Give either a backup file PATH or --dir FOLDER.")
        if keep is not None and (folder is None or keep < 1):
            raise CommandError("--keep N needs --dir and N of at least 1.")
        if folder is not None:
            if not folder.is_dir():
                raise CommandError(f"No folder {folder}.")
            path = folder / backup_name()
        assert path is not None
        passphrase = os.environ.get("KLINIK_BACKUP_KEY") or None
        try:
            report = backup_create(
                path=path, passphrase=passphrase, progress=lambda step: self.stderr.write(step)
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backup written to {report.path} ({report.bytes / 1e6:.1f} MB): {report.vendor}, "
            f"{report.tables} tables, {report.rows} rows, {report.files} files"
            + (", encrypted with the keys" if report.encrypted else "")
            + "."
        )
        if not report.encrypted:
            self.stdout.write(
                "Not encrypted (KLINIK_BACKUP_KEY is not set): it holds patient data in the "
                "clear and no keys. Keep the keys (secret_key, field_key, audit_key) apart."
            )
        if folder is not None and keep is not None:
            for old in backups_prune(folder=folder, keep=keep):
                self.stdout.write(f"Deleted the older backup {old.name}.")
