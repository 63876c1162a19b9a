"""`klinik audit verify` checks the access log; `klinik audit checkpoint` witnesses its head.

`checkpoint --schedule` also makes sure the hourly checkpoint task is queued for the task
worker (`klinik db_worker`, started by `klinik serve`); `make run` runs it.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from klinik.audit.selectors import ChainReport, access_log_verify
from klinik.audit.services import access_log_checkpoint, access_log_checkpoint_schedule
from klinik.audit.witness import WitnessError


class Command(BaseCommand):
    help = (
        "Access-log tools. `klinik audit verify` checks the hash chain against its keys and the "
        "witness checkpoints; `klinik audit checkpoint` appends the head to the witness file."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "verify",
            help="Recompute the keyed hash chain, hold it to every witness checkpoint; "
            "exit 1 at the first break.",
        )
        checkpoint = sub.add_parser(
            "checkpoint",
            help="Append the chain's head (number, hash, time) to the witness file "
            "(KLINIK_AUDIT_WITNESS).",
        )
        checkpoint.add_argument(
            "--schedule",
            action="store_true",
            help="also make sure the hourly checkpoint task is queued for the task worker",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "verify":
            self._verify()
        elif action == "checkpoint":
            self._checkpoint(schedule=options["schedule"])

    def _verify(self) -> None:
        report = access_log_verify()
        brk = report.first_break
        if brk is not None:
            where = ""
            if brk.seq is not None:
                where = f" at entry #{brk.seq}" + (f" (id {brk.entry_id})" if brk.entry_id else "")
            raise CommandError(
                f"Access log chain BROKEN{where}: {brk.problem}. "
                f"{report.checked} entries before it are intact.",
                returncode=1,
            )
        self.stdout.write(f"Access log intact: {report.checked} entries verified{_detail(report)}.")
        if report.witness is None:
            self.stderr.write(
                "Warning: no witness file, so removing the newest entries would go unnoticed. "
                "Run `klinik audit checkpoint --schedule` (KLINIK_AUDIT_WITNESS)."
            )

    def _checkpoint(self, *, schedule: bool) -> None:
        try:
            checkpoint = access_log_checkpoint()
        except WitnessError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        self.stdout.write(f"Checkpoint written: entry #{checkpoint.seq}.")
        if schedule:
            queued = access_log_checkpoint_schedule()
            self.stdout.write(
                "Hourly checkpoint queued." if queued else "Hourly checkpoint already queued."
            )


def _detail(report: ChainReport) -> str:
    parts = []
    if report.legacy:
        parts.append(f"{report.legacy} of them from before the log was keyed")
    if report.last_checkpoint is not None:
        plural = "s" if report.checkpoints != 1 else ""
        parts.append(
            f"held to {report.checkpoints} witness checkpoint{plural}, "
            f"the last at #{report.last_checkpoint.seq}"
        )
    return f" ({'; '.join(parts)})" if parts else ""
