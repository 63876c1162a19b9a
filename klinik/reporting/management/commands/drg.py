"""`klinik drg import FILE --org SLUG`: the region's DRG grouping results (docs/drg-import.md)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from klinik.audit.choices import Channel
from klinik.core.models import Organisation
from klinik.reporting.drg.errors import DrgError
from klinik.reporting.drg.services import drg_import


class Command(BaseCommand):
    help = (
        "DRG values: `klinik drg import FILE --org SLUG` takes in a semicolon file "
        "(periode;type;id;drg;dags;takst); each month in it replaces that month's values. "
        "All lines or none: the errors are listed by line."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imports = sub.add_parser("import", help="import a DRG file")
        imports.add_argument("path", type=Path)
        imports.add_argument("--org", required=True, help="organisation slug")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        organisation = Organisation.objects.filter(slug=options["org"]).first()
        if organisation is None:
            raise CommandError(f"No organisation {options['org']!r}")
        try:
            imported = drg_import(
                actor=None,
                organisation=organisation,
                file_name=path.name,
                data=path.read_bytes(),
                channel=Channel.CLI,
            )
        except DrgError as exc:
            for number, message in exc.line_errors:
                self.stderr.write(f"line {number}: {message}" if number else message)
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{imported.line_count} DRG values imported for "
            f"{', '.join(p[:7] for p in imported.periods)}."
        )
