"""Run benchmarks on one database, in a process of its own (settings are read once per process).

    python -m bench.run --db sqlite --benchmark foundation --out result.json
    python -m bench.run --list --out benchmarks.json

Makes the database fresh, sets the environment, sets Django up, migrates and runs the
benchmark. `python -m bench` calls this once per database and benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

from bench import databases


def _setup(database: databases.Database) -> None:
    os.environ.update(databases.environment_for(database))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klinik.config.settings")
    import django

    django.setup()


def _database_version() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        return str(connection.Database.sqlite_version)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0]).split(" ")[0]


def _list() -> list[dict[str, str]]:
    from bench.registry import load_benchmarks

    return [
        {"name": b.name, "title": b.title, "about": b.about} for b in load_benchmarks().values()
    ]


def _run(database: databases.Database, name: str, scale: float, seed: int) -> dict[str, Any]:
    from django.core.management import call_command

    from bench.registry import BenchContext, load_benchmarks

    bench = load_benchmarks()[name]
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    ctx = BenchContext(database=database, scale=scale, rng=random.Random(seed))
    outcome = bench.function(ctx)
    return {
        "database": database,
        "database_version": _database_version(),
        "benchmark": name,
        "scale": scale,
        "seconds": round(time.perf_counter() - started, 1),
        "measurements": [m.as_dict() for m in outcome.measurements],
        "parameters": outcome.parameters,
        "notes": outcome.notes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--db", choices=databases.DATABASES, default="sqlite")
    parser.add_argument("--benchmark", help="name of a registered benchmark")
    parser.add_argument("--list", action="store_true", help="write the registered benchmarks")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--out", type=Path, required=True, help="where to write the JSON result")
    args = parser.parse_args(argv)

    if args.list:
        _setup("sqlite")  # no database is touched
        result: Any = _list()
    else:
        if not args.benchmark:
            parser.error("--benchmark is required")
        if args.db == "sqlite":
            databases.sqlite_recreate()
        else:
            databases.postgres_recreate()
        _setup(args.db)
        result = _run(args.db, args.benchmark, args.scale, args.seed)
    args.out.write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
