"""`klinik certificates load [FILE]`: write the national certificate catalogue — types and
dated prices — from the shipped data file (or a newer one in the same shape) into the
database. Existing rows are updated, none removed (docs/adr/0027)."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from klinik.correspondence.certificates.catalogue import CATALOGUE, catalogue_load
from klinik.correspondence.models import CertificatePrice, CertificateType


class Command(BaseCommand):
    help = "Certificate catalogue. `klinik certificates load [FILE]` loads types and prices."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Load the catalogue's types and dated prices.")
        load.add_argument("file", nargs="?", default=str(CATALOGUE), help="a JSON catalogue")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            with transaction.atomic(durable=True):
                count = catalogue_load(CertificateType, CertificatePrice, path)
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        self.stdout.write(f"{count} certificate types loaded from {path}")
