from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from klinik.terminology.choices import HitKind
from klinik.terminology.importer import SKS_URL
from klinik.terminology.selectors import starter_status, terminology_search
from klinik.terminology.services import (
    ImportOutcome,
    postal_codes_load,
    sks_import,
    sks_update,
    starter_load,
)

SHOWN_PROBLEMS = 20


class Command(BaseCommand):
    help = (
        "SKS codes and the glossary: `klinik terminology import PATH`, "
        "`klinik terminology update [--url URL]`, `klinik terminology starter`, "
        "`klinik terminology postal [PATH]`, `klinik terminology search QUERY`."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imports = sub.add_parser("import", help="import a SKScomplete.txt file")
        imports.add_argument("path", type=Path)
        update = sub.add_parser(
            "update", help="download SKScomplete.txt if it changed since the last update"
        )
        update.add_argument("--url", default=SKS_URL, help=f"default: {SKS_URL}")
        update.add_argument("--force", action="store_true", help="download even if unchanged")
        starter = sub.add_parser("starter", help="load or refresh the starter codes and glossary")
        starter.add_argument(
            "--if-changed", action="store_true", help="skip when the files are unchanged"
        )
        postal = sub.add_parser(
            "postal",
            help="load the Danish postal codes (default: the shipped table; or a PostNord CSV "
            "or DAWA JSON file)",
        )
        postal.add_argument("path", type=Path, nargs="?")
        postal.add_argument("--source", default="", help="where the file came from (URL)")
        search = sub.add_parser("search", help="type-ahead search over codes and terms")
        search.add_argument("query", nargs="+")
        search.add_argument("--limit", type=int, default=20)
        search.add_argument(
            "--kind", action="append", choices=[k.value for k in HitKind], help="repeatable"
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        outcome: ImportOutcome | None  # None: the source had not changed
        if action == "import":
            path: Path = options["path"]
            if not path.is_file():
                raise CommandError(f"No file {path}")
            with self._progress(path.stat().st_size) as advance:
                outcome = sks_import(path=path, progress=advance)
            self._report(outcome)
        elif action == "update":
            try:
                with self._progress(None) as advance:
                    outcome = sks_update(
                        url=options["url"], force=options["force"], progress=advance
                    )
            except (OSError, ValueError) as exc:
                raise CommandError(f"Download from {options['url']} failed: {exc}") from exc
            if outcome is None:
                self.stdout.write("SKScomplete.txt has not changed since the last update.")
            else:
                self._report(outcome)
        elif action == "starter":
            outcome = starter_load(if_changed=options["if_changed"])
            if outcome is None:
                status = starter_status()
                self.stdout.write(
                    f"Starter set unchanged since {status.loaded_at:%d.%m.%Y}: {status.codes} "
                    f"SKS codes and {status.terms} glossary terms loaded."
                )
            else:
                self._report(outcome)
            # The shipped postal codes are part of the starter set (`make run` loads both);
            # loaded again only when the file changed.
            postal = postal_codes_load(if_changed=True)
            if postal is not None:
                self._report(postal)
        elif action == "postal":
            path = options["path"]
            if path is not None and not path.is_file():
                raise CommandError(f"No file {path}")
            outcome = postal_codes_load(path=path, source_url=options["source"])
            assert outcome is not None
            self._report(outcome)
            if outcome.problems:
                raise CommandError("The postal codes were not changed: the file has problems.")
        else:
            kinds = set(options["kind"]) if options["kind"] else None
            hits = terminology_search(
                query=" ".join(options["query"]), limit=options["limit"], kinds=kinds
            )
            for hit in hits:
                if hit.code:
                    self.stdout.write(f"{hit.code:<10} {hit.kind:<10} {hit.text}")
                else:
                    plain = f" ({hit.plain})" if hit.plain else ""
                    self.stdout.write(f"{'':<10} {hit.kind:<10} {hit.latin} → {hit.danish}{plain}")
            if not hits:
                self.stdout.write("No match.")

    @contextmanager
    def _progress(self, total: int | None) -> Iterator[Callable[[int], None]]:
        """A byte-progress bar on a terminal; silent otherwise."""
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            transient=True,
            disable=not self.stdout.isatty(),
        ) as progress:
            task = progress.add_task("SKScomplete.txt", total=total)
            yield lambda size: progress.advance(task, size)

    def _report(self, outcome: ImportOutcome) -> None:
        run = outcome.run
        self.stdout.write(
            f"{run.file_name}: {run.rows_read} rows read, {run.rows_created} created, "
            f"{run.rows_updated} updated ({run.rows_closed} closed), {run.rows_deleted} deleted"
        )
        if outcome.problems:
            self.stderr.write(f"{len(outcome.problems)} malformed lines skipped:")
            for problem in outcome.problems[:SHOWN_PROBLEMS]:
                self.stderr.write(f"  {problem}")
            if len(outcome.problems) > SHOWN_PROBLEMS:
                self.stderr.write(f"  … and {len(outcome.problems) - SHOWN_PROBLEMS} more")
