from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from klinik.reporting.lpr3.rules_doc import DOC_PATH, rules_markdown


class Command(BaseCommand):
    help = (
        "LPR3 reporting: `klinik lpr3 rules-doc` writes docs/lpr3-rules.md (every business "
        "rule, implemented or not and why) from the rule catalogue and the registered rules."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        doc = sub.add_parser("rules-doc", help="write docs/lpr3-rules.md")
        doc.add_argument("--output", type=Path, default=settings.BASE_DIR.parent / DOC_PATH)

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        output.write_text(rules_markdown(), encoding="utf-8")
        self.stdout.write(f"Wrote {output}.")
