"""Pathways (issue 14): the deadline engine in process."""

from __future__ import annotations

import time
from datetime import date, timedelta

from bench.registry import BenchContext, Measurement, Outcome, benchmark
from klinik.pathways.engine import due_date
from klinik.pathways.rules import rules_all

TARGET_PER_SECOND = 100_000

ABOUT = """\
**Deadline engine**: due dates computed in process with `engine.due_date` for every rule of the
shipped table (working-day and calendar-day rules, 8 to 60 days), from start dates drawn by a
seeded RNG over 2020-2030 (so the table of Danish working days spans the holidays of eleven
years, Store Bededag before and after 2024), a tenth of them with one or two pauses (AFV
markers or the patient's wish). 1,000,000 due dates (100,000 with `--quick`) after a warm-up
that builds the working-day table. Target: ≥ 100,000 due dates per second."""


@benchmark(name="pathways", title="Pathways: the deadline engine", about=ABOUT)
def pathways(ctx: BenchContext) -> Outcome:
    rules = [(r.length, r.day_unit) for r in rules_all()]
    count = ctx.count(1_000_000, minimum=100_000)
    first = date(2020, 1, 1)
    span = (date(2030, 12, 31) - first).days
    cases = []
    for _ in range(count):
        start = first + timedelta(days=ctx.rng.randrange(span))
        length, unit = ctx.rng.choice(rules)
        pauses: tuple[tuple[date, date], ...] = ()
        if ctx.rng.random() < 0.1:
            paused_on = start + timedelta(days=ctx.rng.randrange(1, 10))
            pauses = ((paused_on, paused_on + timedelta(days=ctx.rng.randrange(1, 8))),)
            if ctx.rng.random() < 0.3:
                later = paused_on + timedelta(days=ctx.rng.randrange(10, 20))
                pauses += ((later, later + timedelta(days=3)),)
        cases.append((start, length, unit, pauses))
    for start, length, unit, pauses in cases[:1000]:  # warm-up: builds the working-day table
        due_date(start, length, unit, pauses)
    ctx.log(f"computing {count:,} due dates")
    started = time.perf_counter()
    for start, length, unit, pauses in cases:
        due_date(start, length, unit, pauses)
    elapsed = time.perf_counter() - started
    rate = count / elapsed
    return Outcome(
        measurements=[
            Measurement(
                key="deadline_engine_rate",
                label="Deadline engine: due dates per second (in process)",
                value=round(rate),
                unit="/s",
                target=TARGET_PER_SECOND,
                better="higher",
            )
        ],
        parameters={"due_dates": count, "rules": len(rules), "with_pauses": "10 %"},
    )
