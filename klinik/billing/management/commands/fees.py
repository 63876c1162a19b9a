from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from klinik.billing.fees.rates import fee_rates_import
from klinik.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Fee tables (honorartabeller): `klinik fees import PATH` adds a period's rates from a "
        "semicolon file (code;title;kind;group;amount;valid_from;valid_to;source)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imports = sub.add_parser("import", help="import a fee table file")
        imports.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with path.open(encoding="utf-8-sig") as source:
                result = fee_rates_import(source=source)
        except DomainError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from exc
        self.stdout.write(f"{result.added} rates imported, {result.closed} earlier periods closed.")
