"""`klinik lpr3`: LPR3 reporting tools.

- `rules-doc` writes docs/lpr3-rules.md (every business rule, implemented or not and why) from
  the rule catalogue and the registered rules.
- `revalidate` re-validates the LPR3 reports into the error lists: every organisation's
  patients with a pathway, or one unit's (`--unit`, its id). `--schedule` also makes sure the
  nightly run is queued for the task worker (`klinik db_worker`, started by `klinik serve`).
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from klinik.core.models import Unit
from klinik.reporting.lpr3.rules_doc import DOC_PATH, rules_markdown
from klinik.reporting.lpr3_report.jobs import lpr3_revalidate_all, lpr3_revalidate_schedule
from klinik.reporting.lpr3_report.services import lpr3_unit_revalidate


class Command(BaseCommand):
    help = (
        "LPR3 reporting: `klinik lpr3 rules-doc` writes docs/lpr3-rules.md; "
        "`klinik lpr3 revalidate` brings the error lists up to date."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        doc = sub.add_parser("rules-doc", help="write docs/lpr3-rules.md")
        doc.add_argument("--output", type=Path, default=settings.BASE_DIR.parent / DOC_PATH)
        revalidate = sub.add_parser(
            "revalidate", help="Validate the patients' LPR3 reports and update the error lists."
        )
        revalidate.add_argument("--unit", type=int, help="only this unit (its id)")
        revalidate.add_argument(
            "--schedule",
            action="store_true",
            help="also make sure the nightly re-validation is queued for the task worker",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "rules-doc":
            output: Path = options["output"]
            output.write_text(rules_markdown(), encoding="utf-8")
            self.stdout.write(f"Wrote {output}.")
        elif action == "revalidate":
            self._revalidate(options)

    def _revalidate(self, options: dict[str, Any]) -> None:
        if options["unit"] is not None:
            unit = Unit.objects.filter(pk=options["unit"]).first()
            if unit is None:
                raise CommandError(f"No unit with id {options['unit']}")
            totals = vars(
                lpr3_unit_revalidate(organisation_id=unit.organisation_id, unit_id=unit.pk)
            )
        else:
            totals = lpr3_revalidate_all()
        self.stdout.write(
            "LPR3: {patients} patient(s) validated, {found} new finding(s), "
            "{fixed} fixed, {open} open.".format(**totals)
        )
        if options["schedule"]:
            queued = lpr3_revalidate_schedule()
            self.stdout.write(
                "Nightly re-validation queued."
                if queued
                else "Nightly re-validation already queued."
            )
