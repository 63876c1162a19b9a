from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from klinik.staff import catalogue
from klinik.staff.services import catalogue_load


class Command(BaseCommand):
    help = (
        "The AMU course catalogue: `klinik staff catalogue-from-seed SEED` writes "
        "klinik/staff/data/amu_courses.tsv from the seed's table; `klinik staff catalogue-load` "
        "loads the shipped files into the database (idempotent)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        from_seed = sub.add_parser("catalogue-from-seed", help="write the data file from the seed")
        from_seed.add_argument("seed", type=Path)
        from_seed.add_argument("--out", type=Path, default=catalogue.COURSES_PATH)
        sub.add_parser("catalogue-load", help="load the shipped courses and competences")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "catalogue-from-seed":
            seed: Path = options["seed"]
            if not seed.is_file():
                raise CommandError(f"No file {seed}")
            try:
                rows = catalogue.seed_courses_parse(seed.read_text(encoding="utf-8"))
            except catalogue.CatalogueError as exc:
                raise CommandError(str(exc)) from exc
            catalogue.courses_write(rows, options["out"])
            self.stdout.write(f"{len(rows)} courses written to {options['out']}")
            return
        counts = catalogue_load()
        self.stdout.write(
            f"courses: {counts.courses_created} created, {counts.courses_updated} updated; "
            f"competences: {counts.competences_created} created, "
            f"{counts.competences_updated} updated"
        )
