"""`python -m bench`: run every benchmark on SQLite and PostgreSQL and report.

Each benchmark runs once per database in its own subprocess (`python -m bench.run`) with a
fresh database; this process never touches a database itself.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import databases
from bench.machine import load_average, machine_info
from bench.report import (
    benchmark_section,
    machine_section,
    print_tables,
    update_docs,
    write_json,
)

REPORT_PATH = databases.REPO_ROOT / "bench" / "report.json"
DOCS_PATH = databases.REPO_ROOT / "docs" / "benchmarks.md"
QUICK_SCALE = 0.1


def _child(arguments: list[str], out: Path) -> Any:
    """Run `python -m bench.run ARGUMENTS --out OUT` and return what it wrote."""
    command = [sys.executable, "-m", "bench.run", *arguments, "--out", str(out)]
    completed = subprocess.run(command, cwd=databases.REPO_ROOT, check=False)  # noqa: S603
    if completed.returncode != 0:
        raise RuntimeError(f"`{' '.join(command[1:])}` exited with {completed.returncode}")
    return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--db", choices=("all", *databases.DATABASES), default="all", help="default: all"
    )
    parser.add_argument("--only", action="append", metavar="NAME", help="run only these")
    parser.add_argument(
        "--quick", action="store_true", help=f"scale volumes by {QUICK_SCALE}; docs untouched"
    )
    parser.add_argument("--scale", type=float, help="scale volumes and call counts (default 1)")
    parser.add_argument(
        "--docs",
        action=argparse.BooleanOptionalAction,
        help="rewrite docs/benchmarks.md (default: only on a full run of both databases)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    scale = args.scale if args.scale is not None else (QUICK_SCALE if args.quick else 1.0)
    wanted = databases.DATABASES if args.db == "all" else (args.db,)
    console = Console()
    console.width = max(console.width, 120)  # piped output defaults to 80 columns

    with tempfile.TemporaryDirectory(prefix="klinik-bench-") as scratch:
        registered = _child(["--list"], Path(scratch) / "list.json")
        names = [b["name"] for b in registered]
        unknown = sorted(set(args.only or ()) - set(names))
        if unknown:
            parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(names)}")
        selected = [b for b in registered if not args.only or b["name"] in args.only]

        pg_version = databases.postgres_version() if "postgresql" in wanted else None
        machine = machine_info(postgres_version=pg_version)
        started = datetime.now(tz=UTC)
        console.print(
            f"[bold]Klinik benchmarks[/bold] · scale {scale:g} · {machine['cpu']}, "
            f"{machine['cores']} cores · load {machine['load_average_at_start']}"
        )
        for bench in selected:
            bench["results"] = {}
            for database in wanted:
                bench["results"][database] = _run_one(
                    console, bench["name"], database, scale, pg_version, Path(scratch)
                )

    machine["load_average_at_end"] = load_average()
    generated_at = started.astimezone().strftime("%Y-%m-%d %H:%M %Z")
    report = {
        "generated_at": started.isoformat(),
        "scale": scale,
        "machine": machine,
        "benchmarks": selected,
    }
    print_tables(console, selected)
    write_json(REPORT_PATH, report)
    console.print(f"Wrote {REPORT_PATH.relative_to(databases.REPO_ROOT)}")

    full_run = scale == 1.0 and args.db == "all"
    if args.docs or (args.docs is None and full_run):
        sections = {"machine": machine_section(machine, generated_at)}
        for bench in selected:
            sections[bench["name"]] = benchmark_section(bench, machine, generated_at)
        update_docs(DOCS_PATH, sections)
        docs = DOCS_PATH.relative_to(databases.REPO_ROOT)
        console.print(f"Rewrote the sections {', '.join(sections)} of {docs}")
    else:
        console.print("[dim]docs/benchmarks.md left alone (not a full run; --docs forces)[/dim]")

    results = [r for b in selected for r in b["results"].values()]
    if any("error" in r for r in results):
        return 1
    missed = any(m["passed"] is False for r in results for m in r.get("measurements", []))
    return 1 if args.strict and missed else 0


def _run_one(
    console: Console,
    name: str,
    database: databases.Database,
    scale: float,
    pg_version: str | None,
    scratch: Path,
) -> dict[str, Any]:
    label = f"{name} on {database}"
    if database == "postgresql" and pg_version is None:
        reason = f"no PostgreSQL server answers at {databases.postgres_display()}"
        console.print(f"[yellow]{label}: skipped, {reason}[/yellow]")
        return {"skipped": reason}
    console.rule(label)
    started = time.perf_counter()
    arguments = ["--db", database, "--benchmark", name, "--scale", str(scale)]
    try:
        result: dict[str, Any] = _child(arguments, scratch / f"{name}-{database}.json")
    except RuntimeError as exc:
        console.print(f"[bold red]{label}: {exc}[/bold red]")
        return {"error": str(exc)}
    console.print(f"[dim]{label}: {time.perf_counter() - started:.1f} s[/dim]")
    return result


if __name__ == "__main__":
    sys.exit(main())
