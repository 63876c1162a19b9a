"""Presenting results: a rich table, bench/report.json and sections of docs/benchmarks.md."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.registry import Measurement

DATABASE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

DOCS_INTRO = """\
# Benchmarks

Measured figures for the paths Klinik's targets are about. They come from `make bench`
(`python -m bench`), never from the test suite: each benchmark runs in its own process on
SQLite (in `var/bench/sqlite`) and on PostgreSQL (database `klinik_bench`, dropped and
recreated each run; the server is `KLINIK_BENCH_POSTGRES_URL`, else `DATABASE_URL`, else
`postgres://postgres@127.0.0.1:5432`), each with a fresh database filled with synthetic data.
The PostgreSQL part is skipped with a note when no server answers.

    make bench                         # everything, both databases; rewrites this file's sections
    .venv/bin/python -m bench --quick  # a tenth of the volume, leaves this file alone
    .venv/bin/python -m bench --only foundation --db sqlite

Each benchmark owns the part of this file between its `<!-- bench:NAME:start -->` and
`<!-- bench:NAME:end -->` markers and rewrites only that; everything else is kept. The full
results of the last run are in `bench/report.json` (not committed). Add a benchmark as a
function in `bench/` registered with `@benchmark` (see `bench/registry.py`).

Figures are medians and percentiles of wall-clock time on the machine below; a busy machine
(see the load average) makes them noisier, so compare runs on the same machine.
"""


def format_value(value: float, unit: str) -> str:
    magnitude = abs(value)
    if magnitude >= 100:
        number = f"{value:,.0f}"
    elif magnitude >= 10:
        number = f"{value:.1f}"
    elif magnitude >= 1:
        number = f"{value:.2f}"
    else:
        number = f"{value:.3f}"
    return f"{number} {unit}"


def format_target(measurement: Measurement) -> str:
    if measurement.target is None:
        return ""
    sign = "<" if measurement.better == "lower" else "≥"
    return f"{sign} {measurement.target:,g} {measurement.unit}"


def _cell(result: dict[str, Any], key: str) -> tuple[Measurement | None, str]:
    """The measurement `key` of one database's result, or why there is none."""
    if "skipped" in result:
        return None, "skipped"
    if "error" in result:
        return None, "failed"
    for data in result["measurements"]:
        if data["key"] == key:
            return Measurement.from_dict(data), ""
    return None, "—"


def _rows(results: dict[str, dict[str, Any]]) -> list[Measurement]:
    """One representative measurement per key, in the order the benchmark returned them.

    A key only one database has (a PostgreSQL-only figure) goes after its predecessor.
    """
    rows: list[Measurement] = []
    for result in results.values():
        previous = -1
        for data in result.get("measurements", []):
            keys = [row.key for row in rows]
            if data["key"] in keys:
                previous = keys.index(data["key"])
                continue
            previous += 1
            rows.insert(previous, Measurement.from_dict(data))
    return rows


def print_tables(console: Console, benchmarks: list[dict[str, Any]]) -> None:
    for bench in benchmarks:
        results = bench["results"]
        table = Table(title=f"{bench['title']} ({bench['name']})", title_justify="left")
        table.add_column("Measurement", no_wrap=True)
        for database in results:
            table.add_column(DATABASE_NAMES[database], justify="right", no_wrap=True)
        table.add_column("Target", no_wrap=True)
        for row in _rows(results):
            cells = []
            for result in results.values():
                measurement, reason = _cell(result, row.key)
                if measurement is None:
                    cells.append(f"[dim]{reason}[/dim]")
                    continue
                text = format_value(measurement.value, measurement.unit)
                if measurement.passed is True:
                    text = f"[green]{text} ✓[/green]"
                elif measurement.passed is False:
                    text = f"[bold red]{text} ✗[/bold red]"
                cells.append(text)
            table.add_row(row.label, *cells, format_target(row))
        console.print(table)
        for database, result in results.items():
            name = DATABASE_NAMES[database]
            if "skipped" in result:
                console.print(f"[yellow]{name}: skipped — {result['skipped']}[/yellow]")
            elif "error" in result:
                console.print(f"[bold red]{name}: failed — {result['error']}[/bold red]")
            else:
                console.print(f"[dim]{name}: {result['seconds']} s[/dim]")
            for note in result.get("notes", []):
                console.print(f"  {name}: {note}")


def write_json(path: Path, report: dict[str, Any]) -> None:
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")


# docs/benchmarks.md ---------------------------------------------------------------------------


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"


def replace_section(text: str, name: str, body: str) -> str:
    """`text` with the section `name` replaced by `body`, or with it appended when missing."""
    start, end = _markers(name)
    block = f"{start}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        return pattern.sub(lambda _match: block, text, count=1)
    return text.rstrip("\n") + "\n\n" + block + "\n"


def machine_section(machine: dict[str, Any], generated_at: str) -> str:
    ram = f"{machine['ram_gib']} GiB" if machine.get("ram_gib") else "unknown"
    lines = [
        "## The machine",
        "",
        f"Last `make bench`: {generated_at}.",
        "",
        "| | |",
        "|---|---|",
        f"| CPU | {machine['cpu']} |",
        f"| Cores | {machine['cores']} |",
        f"| RAM | {ram} |",
        f"| OS | {machine['os']} |",
        f"| Python | {machine['python']} |",
        f"| Django | {machine['django']} |",
        f"| SQLite | {machine['sqlite']} |",
        f"| PostgreSQL | {machine.get('postgresql') or 'not available'} |",
        f"| Load average (1 min), start → end | {_load(machine)} |",
    ]
    return "\n".join(lines)


def _load(machine: dict[str, Any]) -> str:
    start, end = machine.get("load_average_at_start"), machine.get("load_average_at_end")
    return f"{start} → {end}" if end is not None else str(start)


def benchmark_section(bench: dict[str, Any], machine: dict[str, Any], generated_at: str) -> str:
    results: dict[str, dict[str, Any]] = bench["results"]
    databases = list(results)
    versions = ", ".join(
        f"{DATABASE_NAMES[db]} {result.get('database_version', '')}".strip()
        for db, result in results.items()
        if "measurements" in result
    )
    lines = [
        f"## {bench['title']}",
        "",
        bench["about"],
        "",
        f"Measured {generated_at} with `make bench` on {machine['cpu']} "
        f"({machine['cores']} cores, load average {_load(machine)})"
        f"{'; ' + versions if versions else ''}.",
        "",
        "| Measurement | " + " | ".join(DATABASE_NAMES[db] for db in databases) + " | Target |",
        "|---|" + "---:|" * len(databases) + "---|",
    ]
    for row in _rows(results):
        cells = []
        for result in results.values():
            measurement, reason = _cell(result, row.key)
            if measurement is None:
                cells.append(reason)
                continue
            text = format_value(measurement.value, measurement.unit)
            if measurement.passed is not None:
                text += " ✓" if measurement.passed else " ✗ **over target**"
            cells.append(text)
        lines.append(f"| {row.label} | " + " | ".join(cells) + f" | {format_target(row)} |")
    lines += ["", *_parameter_lines(results), *_note_lines(results)]
    return "\n".join(lines)


def _parameter_lines(results: dict[str, dict[str, Any]]) -> list[str]:
    keys: dict[str, None] = {}
    for result in results.values():
        keys.update(dict.fromkeys(result.get("parameters", {})))
    lines = []
    for key in keys:
        values = {
            db: result["parameters"][key]
            for db, result in results.items()
            if key in result.get("parameters", {})
        }
        shown = {_plain(value) for value in values.values()}
        if len(shown) == 1:
            text = shown.pop()
        else:
            text = ", ".join(f"{DATABASE_NAMES[db]} {_plain(v)}" for db, v in values.items())
        lines.append(f"- {key}: {text}")
    return ["Volumes and settings:", "", *lines, ""] if lines else []


def _plain(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _note_lines(results: dict[str, dict[str, Any]]) -> list[str]:
    lines = []
    for db, result in results.items():
        name = DATABASE_NAMES[db]
        if "skipped" in result:
            lines.append(f"- {name} skipped: {result['skipped']}")
        elif "error" in result:
            lines.append(f"- {name} failed: {result['error']}")
        lines.extend(f"- {name}: {note}" for note in result.get("notes", []))
    return ["Notes:", "", *lines, ""] if lines else []


def update_docs(path: Path, sections: dict[str, str]) -> None:
    """Rewrite the named sections of the docs file, creating it with an intro if missing."""
    text = path.read_text() if path.exists() else DOCS_INTRO
    for name, body in sections.items():
        text = replace_section(text, name, body)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n")
