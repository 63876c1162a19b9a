"""Reliability (issue 10): a bulk import beside a running clinic.

`klinik generate patients --count 200000` beside `make run` once held SQLite's write lock for
the whole run: every other writer waited out its 20 s busy timeout ("database is locked"), the
task worker died of it, and `klinik serve` stopped gunicorn with it. The generator now writes
in turns (klinik/demo/bulk.py, docs/adr/0014).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.registry import BenchContext, Measurement, Outcome, benchmark
from bench.timing import Stats
from klinik.core.tests.factories import OrganisationFactory, UnitFactory
from klinik.demo import bulk
from klinik.demo.generate import generate_patients

VOLUME = 200_000  # the incident's
TARGET_LONGEST_WAIT_S = bulk.MAX_HOLD_SECONDS + 1.0

ABOUT = f"""\
While `generate_patients` (the generator behind `klinik generate patients`) inserts
{VOLUME:,} patients into a migrated, empty database, another process writes an access-log
entry every 20 ms, as every page a clinician opens does, and times each write: the **longest
wait** and the p99, and whether any write failed ("database is locked" after SQLite's 20 s busy
timeout). The generator holds SQLite's single write lock for turns of 1-{bulk.MAX_HOLD_SECONDS:g}
s (longer as the tables grow, so that taking turns costs it about 1/{bulk.WORK_SHARE} of its
time), so no writer should wait longer than a turn and its commit. Its own rate is measured
alongside (its target is the patient register's, at a million patients without a writer).
Targets on SQLite: the longest wait under {TARGET_LONGEST_WAIT_S:g} s, no failed write.
PostgreSQL's writers do not wait for each other; its figures are for comparison."""


@benchmark(name="reliability", title="A bulk import beside a running clinic", about=ABOUT)
def bulk_import_beside_writers(ctx: BenchContext) -> Outcome:
    volume = ctx.count(VOLUME, minimum=20_000)
    organisation = OrganisationFactory(slug="bulk", name="Bulk")
    units = [UnitFactory(organisation=organisation, name=f"Enhed {i}") for i in range(4)]
    with tempfile.TemporaryDirectory(prefix="klinik-bench-writer-") as scratch:
        stop = Path(scratch) / "stop"
        writer = subprocess.Popen(  # noqa: S603  (our own interpreter and module)
            [sys.executable, "-m", "bench.writer", str(stop)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None
        if writer.stdout.readline().strip() != "ready":
            raise RuntimeError("the writer did not start")
        started = time.perf_counter()
        created = generate_patients(
            organisation=organisation,
            count=volume,
            seed=ctx.rng.randrange(2**31),
            units=units,
        )
        seconds = time.perf_counter() - started
        stop.touch()
        report = json.loads(writer.communicate(timeout=120)[0].strip().splitlines()[-1])
    waits = Stats.of(report["waits_ms"])
    sqlite = ctx.database == "sqlite"
    ctx.log(f"{created:,} patients in {seconds:.1f} s; {waits.count} writes beside")
    return Outcome(
        measurements=[
            Measurement(
                "longest_wait",
                "Another writer's longest wait",
                waits.maximum / 1000,
                "s",
                target=TARGET_LONGEST_WAIT_S if sqlite else None,
            ),
            Measurement("p99_wait", "Another writer's wait, p99", waits.p99 / 1000, "s"),
            Measurement(
                "failed_writes",
                "Writes that failed",
                len(report["errors"]),
                "writes",
                target=1.0 if sqlite else None,
            ),
            Measurement(
                "generate_rate",
                "Generating patients meanwhile",
                created / seconds,
                "patients/s",
                better="higher",
            ),
        ],
        parameters={"patients": created, "writes beside": waits.count},
        notes=report["errors"][:3],
    )
