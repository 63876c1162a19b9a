from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from klinik.audit.selectors import access_log_verify


class Command(BaseCommand):
    help = "Access-log tools. `klinik audit verify` checks the hash chain."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Recompute the hash chain; exit 1 at the first break.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "verify":
            report = access_log_verify()
            if report.first_break is not None:
                brk = report.first_break
                where = f"entry #{brk.seq}" + (f" (id {brk.entry_id})" if brk.entry_id else "")
                raise CommandError(
                    f"Access log chain BROKEN at {where}: {brk.problem}. "
                    f"{report.checked} entries before it are intact.",
                    returncode=1,
                )
            self.stdout.write(f"Access log intact: {report.checked} entries verified.")
