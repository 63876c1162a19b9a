"""Patient register (issue 3): search and the patient page at a million patients in one
organisation, and how fast the generator fills the register."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Max, Min
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from bench.registry import BenchContext, Measurement, Outcome, benchmark
from bench.timing import Stats
from klinik.audit.choices import Channel
from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.core.models import Membership
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import (
    TEST_PASSWORD,
    MembershipFactory,
    OrganisationFactory,
    UnitFactory,
)
from klinik.demo.generate import generate_patients
from klinik.desk.views import patient_page_view
from klinik.patients.models import Patient, PatientNameToken, Relative
from klinik.patients.selectors import patient_search

TARGET_CPR_P95_MS = 5.0
TARGET_NAME_P95_MS = 20.0
TARGET_PAGE_MEDIAN_MS = 50.0
TARGET_GENERATE_RATE = 20_000.0  # patients/s, on SQLite
UNITS = 4
MiB = 1024 * 1024

ABOUT = """\
The register of one organisation holds 1,000,000 synthetic patients (a tenth with `--quick`),
made by `generate_patients`, the generator behind `klinik generate patients` (a worker process
makes the people, the main process inserts them with executemany, search keys included); its
rate is the first figure. Then the database is brought to the state a running installation
would have: on PostgreSQL `VACUUM ANALYZE`, as autovacuum would have run on the freshly
inserted tables (statistics, and the visibility map that lets index-only scans skip the table);
on SQLite `ANALYZE`, which an installation runs periodically (without statistics SQLite's
planner knows nothing of the tables' sizes). A secretary of one of the organisation's four
units then searches, with queries drawn by a seeded RNG from random rows of the register:
**full CPR numbers** with and without the dash; **name prefixes** as typed at a desk — the
first 3 to 5 letters of a family name (`jens`, `søre`), given and family name prefixes in
either order (`mette jen`, `jensen mette`, `ols pe`), and names with Danish letters typed both
as æ/ø/å and as ae/oe/aa (`søre`, `soere`); and **phone numbers** (8 digits, some written in
pairs). Each search returns the top 20 and writes its access-log entry, as in production. The
**patient page** is timed for patients of the secretary's unit. Everything is timed **in
process** (`patient_search`; the page view function called directly) and **through HTTP** with
Django's test client and the full middleware stack (`GET /api/v1/patients?q=` with a bearer
token; `GET /patients/{id}/` in a logged-in session), after a warm-up, with every kind and both
paths shuffled together so drift hits all alike; the in-process and HTTP runs use different
queries of the same mix. The targets: CPR search p95 ≤ 5 ms, name-prefix search p95 ≤ 20 ms,
the patient page ≤ 50 ms (median), generating ≥ 20,000 patients/s on SQLite."""

_TRANSLITERATE = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})  # no Danish keyboard
_DANISH_LETTERS = "æøå"
NAME_STYLES = {
    "family": "family-name prefix",
    "two_terms": "given + family prefixes, either order",
    "danish": "names with æ/ø/å, typed as æøå or ae/oe/aa",
}


@dataclass(frozen=True)
class Step:
    """One timed call: which path, which kind of request, and its input."""

    path: str  # "process" or "http"
    kind: str  # "cpr", "name", "phone", "page"
    text: str  # the query, or the patient's public id for "page"
    style: str = ""  # name queries: a NAME_STYLES key
    expected: str = ""  # CPR queries: the CPR number that must come back


@dataclass
class Sample:
    step: Step
    ms: float
    hits: int


@benchmark(name="patients", title="Patient register at a million patients", about=ABOUT)
def patients(ctx: BenchContext) -> Outcome:
    volume = ctx.count(1_000_000, minimum=10_000)
    per_kind = ctx.count(400, minimum=100)  # timed calls per kind and path
    warmup = ctx.count(40, minimum=20)

    organisation = OrganisationFactory()
    units = [UnitFactory(organisation=organisation) for _ in range(UNITS)]
    secretary: Membership = MembershipFactory(unit=units[0], role=Role.SECRETARY)

    ctx.log(f"generating {volume:,} patients")
    generated = _generate(ctx, organisation=organisation, units=units, volume=volume)
    # What a running installation would have done by now: autovacuum vacuums and analyses
    # freshly inserted tables on PostgreSQL; SQLite needs a periodic ANALYZE.
    maintenance = "ANALYZE" if ctx.database == "sqlite" else "VACUUM ANALYZE"
    ctx.log(f"{volume:,} patients in {generated['seconds']:.1f} s; running {maintenance}")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(maintenance)
    analyse_seconds = time.perf_counter() - started
    sizes = _sizes()
    tokens = PatientNameToken.objects.count()
    relatives = Relative.objects.count()

    ctx.log("drawing queries from the register")
    rows = _sample_rows(ctx, 10 * (per_kind + warmup))
    warm: list[Step] = []
    timed: list[Step] = []
    for path in ("process", "http"):
        steps = _steps(ctx, path, rows, secretary.unit_id, per_kind + warmup)
        for kind_steps in steps.values():
            warm += kind_steps[:warmup]
            timed += kind_steps[warmup:]
    ctx.rng.shuffle(warm)
    ctx.rng.shuffle(timed)

    run = _runner(secretary)
    ctx.log(f"timing {len(timed):,} calls after {len(warm):,} warm-up calls")
    for step in warm:
        run(step)
    gc.collect()
    samples = []
    for step in timed:
        connection.ensure_connection()
        start = time.perf_counter_ns()
        outcome = run(step)
        elapsed = (time.perf_counter_ns() - start) / 1e6
        samples.append(Sample(step, elapsed, _check(step, outcome)))
    plans = _name_plans(secretary, samples)

    return Outcome(
        measurements=_measurements(ctx, samples, generated, sizes, tokens),
        parameters={
            "patients (one organisation)": volume,
            "units / the searching secretary's unit": f"{UNITS} / 1",
            "name-token rows": tokens,
            "relatives": relatives,
            "generating (s)": round(generated["seconds"], 1),
            "ANALYZE after generating, VACUUM ANALYZE on PostgreSQL (s)": round(analyse_seconds, 1),
            **sizes["parameters"],
            "timed calls per kind and path": per_kind,
            "warm-up calls per kind and path": warmup,
            "name queries": ", ".join(
                f"{label} {sum(1 for s in timed if s.style == key) // 2}"
                for key, label in NAME_STYLES.items()
            )
            + " (per path)",
        },
        notes=[*_correctness_notes(samples), *_slowest_notes(samples), *plans],
    )


# Data -----------------------------------------------------------------------------------------


def _generate(
    ctx: BenchContext, *, organisation: Any, units: list[Any], volume: int
) -> dict[str, float]:
    done = 0
    step = max(volume // 10, 1)

    def progress(count: int) -> None:
        nonlocal done
        before, done = done, done + count
        if before // step != done // step:
            ctx.log(f"  {done:,} patients, {time.perf_counter() - started:.0f} s")

    started = time.perf_counter()
    created = generate_patients(
        organisation=organisation,
        count=volume,
        seed=ctx.rng.randrange(2**31),
        units=units,
        progress=progress,
    )
    seconds = time.perf_counter() - started
    if created != volume:
        raise RuntimeError(f"generate_patients made {created:,} patients, not {volume:,}")
    return {"seconds": seconds, "rate": created / seconds}


def _sizes() -> dict[str, Any]:
    """The database on disk, and the patient and name-token tables with their indexes."""
    tables = {
        "patients table with indexes (MiB)": Patient._meta.db_table,
        "name-token table with indexes (MiB)": PatientNameToken._meta.db_table,
    }
    parameters: dict[str, Any] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Move the generator's transaction out of the WAL, as a checkpoint soon would.
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            total = Path(settings.DATABASES["default"]["NAME"]).stat().st_size
            for label, table in tables.items():
                cursor.execute(
                    "SELECT SUM(pgsize) FROM dbstat WHERE name IN "
                    "(SELECT name FROM sqlite_master WHERE tbl_name = %s)",
                    [table],
                )
                parameters[label] = round(cursor.fetchone()[0] / MiB)
        else:
            cursor.execute("SELECT pg_database_size(current_database())")
            total = cursor.fetchone()[0]
            for label, table in tables.items():
                cursor.execute("SELECT pg_total_relation_size(%s)", [table])
                parameters[label] = round(cursor.fetchone()[0] / MiB)
    return {"total": total, "parameters": parameters}


def _sample_rows(ctx: BenchContext, count: int) -> list[dict[str, Any]]:
    """About `count` patients from random primary keys, in a seeded random order."""
    bounds = Patient.objects.aggregate(low=Min("pk"), high=Max("pk"))
    ids = sorted({ctx.rng.randint(bounds["low"], bounds["high"]) for _ in range(count)})
    rows = list(
        Patient.objects.filter(pk__in=ids)
        .order_by("pk")
        .values("public_id", "cpr", "given_name", "family_name", "phone", "unit_id")
    )
    ctx.rng.shuffle(rows)
    return rows


# The query mix ---------------------------------------------------------------------------------


def _steps(
    ctx: BenchContext, path: str, rows: list[dict[str, Any]], unit_id: int, count: int
) -> dict[str, list[Step]]:
    """`count` steps of every kind for one path, from rows no other path uses."""
    rng = ctx.rng
    own = rows[0::2] if path == "process" else rows[1::2]
    cprs = [
        Step(path, "cpr", cpr if dashed else f"{cpr[:6]}-{cpr[6:]}", expected=cpr)
        for cpr in (row["cpr"] for row in own[: (count + 1) // 2])
        for dashed in (False, True)
    ][:count]
    rng.shuffle(cprs)
    phones = []
    for row in _cycle([r for r in own if r["phone"]], count):
        phone = row["phone"]
        if rng.random() < 0.25:  # as Danes write them: 20 12 34 56
            phone = " ".join(phone[i : i + 2] for i in range(0, 8, 2))
        phones.append(Step(path, "phone", phone))
    danish = [r for r in own if _has_danish(r)]
    names = []
    for index in range(count):
        roll = rng.random()
        if roll < 0.4:
            style, text = "family", _family_prefix(rng, own[index])
        elif roll < 0.8:
            style, text = "two_terms", _two_terms(rng, own[-1 - index])
        else:
            style, text = "danish", _danish(rng, danish[index % len(danish)])
        names.append(Step(path, "name", text, style=style))
    pages = [
        Step(path, "page", str(row["public_id"]))
        for row in _cycle([r for r in own if r["unit_id"] == unit_id], count)
    ]
    return {"cpr": cprs, "name": names, "phone": phones, "page": pages}


def _cycle(rows: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    if not rows:
        raise RuntimeError("No sampled patients to draw these queries from")
    return [rows[index % len(rows)] for index in range(count)]


def _words(row: dict[str, Any]) -> tuple[list[str], list[str]]:
    return row["given_name"].lower().split(), row["family_name"].lower().split("-")


def _prefix(rng: Any, word: str, shortest: int, longest: int) -> str:
    return word[: rng.randint(shortest, longest)]


def _family_prefix(rng: Any, row: dict[str, Any]) -> str:
    _given, family = _words(row)
    return _prefix(rng, rng.choice(family), 3, 5)


def _two_terms(rng: Any, row: dict[str, Any]) -> str:
    given, family = _words(row)
    terms = []
    for word in (given[0], rng.choice(family)):
        terms.append(word if rng.random() < 0.4 else _prefix(rng, word, 2, 5))
    if max(len(t) for t in terms) < 3:
        terms[1] = family[0][:3]
    if rng.random() < 0.4:
        terms.reverse()
    return " ".join(terms)


def _has_danish(row: dict[str, Any]) -> bool:
    return any(ch in _DANISH_LETTERS for ch in (row["given_name"] + row["family_name"]).lower())


def _danish(rng: Any, row: dict[str, Any]) -> str:
    """A prefix that includes the Danish letter, alone or with the other name."""
    given, family = _words(row)
    words = given + family
    word = next(w for w in words if any(ch in _DANISH_LETTERS for ch in w))
    first = min(word.index(ch) for ch in _DANISH_LETTERS if ch in word)
    typed = _prefix(rng, word, max(first + 1, 3), max(first + 3, 5))
    if rng.random() < 0.5:
        typed = typed.translate(_TRANSLITERATE)
    if rng.random() < 0.5:
        other = rng.choice([w for w in (given[0], family[0]) if w != word] or [word])
        terms = [typed, other if rng.random() < 0.4 else _prefix(rng, other, 2, 5)]
        rng.shuffle(terms)
        return " ".join(terms)
    return typed


# Running and checking --------------------------------------------------------------------------


def _runner(secretary: Membership) -> Callable[[Step], Any]:
    """A function that performs one step and returns what it produced."""
    actor = actor_from_membership(secretary)
    _token, raw = api_token_create(user=secretary.user, organisation=secretary.organisation)
    api = Client(headers={"authorization": f"Bearer {raw}"})
    browser = Client()
    response = browser.post(
        "/login/", {"username": secretary.user.username, "password": TEST_PASSWORD}
    )
    if response.status_code != 302:
        raise RuntimeError(f"Login: {response.status_code} {response.content[:200]!r}")
    factory = RequestFactory()

    def page_in_process(public_id: str) -> HttpResponse:
        request: HttpRequest = factory.get(f"/patients/{public_id}/")
        request.user = secretary.user
        request.actor = actor  # type: ignore[attr-defined]
        request.memberships = [secretary]  # type: ignore[attr-defined]
        return patient_page_view(request, public_id=public_id)

    def run(step: Step) -> Any:
        if step.path == "process":
            if step.kind == "page":
                return page_in_process(step.text)
            return patient_search(actor=actor, query=step.text, channel=Channel.UI)
        if step.kind == "page":
            return browser.get(f"/patients/{step.text}/")
        return api.get("/api/v1/patients", {"q": step.text})

    return run


def _check(step: Step, outcome: Any) -> int:
    """The number of hits (1 for a page); raises when a request failed."""
    if isinstance(outcome, HttpResponse):
        if outcome.status_code != 200:
            raise RuntimeError(
                f"{step.kind} {step.text!r}: {outcome.status_code} {outcome.content[:300]!r}"
            )
        if step.kind == "page":
            return 1
        outcome = outcome.json()
    if step.kind == "page":
        return 1
    if step.kind == "cpr":
        found = [h.cpr_display if hasattr(h, "cpr_display") else h["cpr"] for h in outcome]
        return int(found == [f"{step.expected[:6]}-{step.expected[6:]}"])
    return len(outcome)


def _stats(samples: list[Sample], *, path: str, kind: str, style: str = "") -> Stats:
    return Stats.of(
        [
            s.ms
            for s in samples
            if s.step.path == path and s.step.kind == kind and (not style or s.step.style == style)
        ]
    )


def _measurements(
    ctx: BenchContext,
    samples: list[Sample],
    generated: dict[str, float],
    sizes: dict[str, Any],
    tokens: int,
) -> list[Measurement]:
    ms = "ms"
    found: list[Measurement] = [
        Measurement(
            "generate_rate",
            "Generating patients (`generate_patients`)",
            generated["rate"],
            "patients/s",
            target=TARGET_GENERATE_RATE if ctx.database == "sqlite" else None,
            better="higher",
        )
    ]
    targets = {"cpr": TARGET_CPR_P95_MS, "name": TARGET_NAME_P95_MS}
    labels = {
        "cpr": "full CPR",
        "name": "name prefix, top 20",
        "phone": "phone number",
    }
    for path, where in (("process", "in process"), ("http", "HTTP")):
        prefix = "" if path == "process" else "http_"
        for kind, label in labels.items():
            stats = _stats(samples, path=path, kind=kind)
            found += [
                Measurement(
                    f"{prefix}{kind}_median",
                    f"Search by {label}, {where}, median",
                    stats.median,
                    ms,
                ),
                Measurement(
                    f"{prefix}{kind}_p95",
                    f"Search by {label}, {where}, p95",
                    stats.p95,
                    ms,
                    target=targets.get(kind),
                ),
            ]
            if kind == "name" and path == "process":
                for style, style_label in NAME_STYLES.items():
                    found.append(
                        Measurement(
                            f"name_{style}_p95",
                            f"… {style_label}, p95",
                            _stats(samples, path=path, kind=kind, style=style).p95,
                            ms,
                        )
                    )
        stats = _stats(samples, path=path, kind="page")
        page_label = "view function" if path == "process" else "GET /patients/{id}/"
        found += [
            Measurement(
                f"{prefix}page_median",
                f"Patient page, {where} ({page_label}), median",
                stats.median,
                ms,
                target=TARGET_PAGE_MEDIAN_MS,
            ),
            Measurement(
                f"{prefix}page_p95",
                f"Patient page, {where} ({page_label}), p95",
                stats.p95,
                ms,
            ),
        ]
    found += [
        Measurement("database_size", "Database size on disk", sizes["total"] / MiB, "MiB"),
        Measurement("name_tokens", "Name-token rows", tokens, "rows"),
    ]
    return found


def _correctness_notes(samples: list[Sample]) -> list[str]:
    notes = []
    cpr = [s for s in samples if s.step.kind == "cpr"]
    missed = [s for s in cpr if s.hits != 1]
    if missed:
        notes.append(
            f"{len(missed)} of {len(cpr)} CPR searches did not return exactly their patient,"
            f" e.g. {missed[0].step.text!r}."
        )
    for kind in ("name", "phone"):
        kind_samples = [s for s in samples if s.step.kind == kind]
        empty = [s for s in kind_samples if s.hits == 0]
        if empty:
            examples = ", ".join(repr(s.step.text) for s in empty[:3])
            notes.append(
                f"{len(empty)} of {len(kind_samples)} {kind} searches found nothing"
                f" (drawn from existing patients), e.g. {examples}."
            )
    return notes


def _slowest_notes(samples: list[Sample]) -> list[str]:
    names = sorted(
        (s for s in samples if s.step.kind == "name" and s.step.path == "process"),
        key=lambda s: s.ms,
        reverse=True,
    )
    shown = ", ".join(f"`{s.step.text}` {s.ms:.1f} ms ({s.hits} hits)" for s in names[:5])
    return [f"Slowest name searches in process: {shown}."]


def _name_plans(secretary: Membership, samples: list[Sample]) -> list[str]:
    """The query plans of the name-token query for a one-term and the slowest search."""
    actor = actor_from_membership(secretary)
    names = [s for s in samples if s.step.kind == "name" and s.step.path == "process"]
    wanted = {
        "a family-name prefix": next(s for s in names if s.step.style == "family").step.text,
        "the slowest name search": max(names, key=lambda s: s.ms).step.text,
    }
    notes = []
    for label, text in wanted.items():
        captured = _token_query(actor, text)
        if captured is None:
            continue
        sql, params = captured
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                plan = "; ".join(str(row[-1]) for row in cursor.fetchall())
            else:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", params)
                lines = (" ".join(str(row[0]).split()) for row in cursor.fetchall())
                plan = " → ".join(line.removeprefix("-> ") for line in lines)
        notes.append(f"Plan of the name-token query for `{text}` ({label}): `{plan}`")
    return notes


def _token_query(actor: Any, text: str) -> tuple[str, Any] | None:
    """The SQL and parameters of the name-token query a search for `text` runs."""
    captured: list[tuple[str, Any]] = []

    def capture(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
        if PatientNameToken._meta.db_table in sql and not captured:
            captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        patient_search(actor=actor, query=text, channel=Channel.UI)
    return captured[0] if captured else None
