"""Foundation: what one access-log entry adds to a request, and how fast the chain verifies."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.test import Client

from bench.data import access_log_seed, clinics_create, patients_create
from bench.registry import BenchContext, Measurement, Outcome, benchmark
from bench.timing import Stats, time_calls
from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.models import AccessLogEntry
from klinik.audit.selectors import access_log_verify
from klinik.audit.services import access_log_record
from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.core.policy import Actor
from klinik.core.services import actor_from_membership
from klinik.patients.access import access_patient

TARGET_RECORD_MS = 1.0
Case = tuple[Actor, uuid.UUID]  # who reads which patient

ABOUT = """\
Every read of patient data appends one hash-chained entry to the access log
(`access_log_record`), so its cost is paid on nearly every request. The log is first filled
with a year of synthetic entries (same chain hashes as the service writes), then:
**in process**, `access_log_record` is called once per transaction, as a request's read
would be, for varying users and patients after a warm-up, and `access_patient` (patient
lookup + log entry) likewise; **through HTTP** with Django's test client and the full
middleware stack, `GET /api/v1/patients/{id}` (logs one entry) and `GET /api/v1/me` (same
bearer-token authentication, logs nothing) are interleaved with direct `access_log_record`
calls — the difference of the two medians is what the access log costs a request,
patient lookup included. On PostgreSQL the calls are repeated with
`synchronous_commit=off` to show how much of the cost is waiting for the WAL flush. The test
client keeps one database connection, so opening a connection is timed separately. Finally
`access_log_verify` recomputes the whole chain."""


@benchmark(name="foundation", title="What one access-log entry adds to a request", about=ABOUT)
def foundation(ctx: BenchContext) -> Outcome:
    log_volume = ctx.count(200_000, minimum=1000)
    calls = ctx.count(2_000, minimum=100)
    requests = ctx.count(1_000, minimum=50)
    warmup = ctx.count(200, minimum=20)

    ctx.log("creating clinics, staff and patients")
    clinics = clinics_create(count=20, units_per_clinic=2, staff_per_unit=5)
    patients = patients_create(clinics=clinics, per_unit=ctx.count(25, minimum=5))
    ctx.log(f"seeding the access log with {log_volume:,} entries")
    started = time.perf_counter()
    access_log_seed(count=log_volume, clinics=clinics, patients=patients, rng=ctx.rng)
    seed_seconds = time.perf_counter() - started
    if ctx.database == "postgresql":
        # Autovacuum would have analysed a table this size in production.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    memberships = [m for clinic in clinics for m in clinic.memberships]
    actors = [actor_from_membership(m) for m in memberships]
    by_unit: dict[int | None, list[uuid.UUID]] = {}
    for ref in patients:
        by_unit.setdefault(ref.unit_id, []).append(ref.public_id)

    # (a) access_log_record in its own transaction, for varying actors and patients.
    ctx.log(f"timing {calls:,} access_log_record calls")
    cases: list[Case] = []
    for _ in range(warmup + calls):
        actor = ctx.rng.choice(actors)
        cases.append((actor, ctx.rng.choice(by_unit[actor.unit.pk])))

    def record(case: Case) -> None:
        actor, patient_id = case
        access_log_record(
            actor=actor,
            action=Action.VIEW,
            purpose=Purpose.TREATMENT,
            channel=Channel.API,
            object_type="patient",
            object_id=patient_id,
            patient_id=patient_id,
            organisation_id=actor.organisation.pk,
        )

    record_stats = time_calls(record, cases, warmup=warmup)
    async_commit_stats = None
    if ctx.database == "postgresql":
        # The same calls without waiting for the WAL flush: the share of the disk in the cost.
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
        async_commit_stats = time_calls(record, cases[: warmup + calls // 2], warmup=warmup)
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")

    ctx.log("splitting access_log_record into SQL, COMMIT and Python")
    breakdown = _record_breakdown(record, cases[: warmup + calls // 2], warmup=warmup)

    def look_up(case: Case) -> None:
        actor, patient_id = case
        access_patient(actor=actor, public_id=patient_id, channel=Channel.API)

    ctx.log(f"timing {calls:,} access_patient calls")
    access_stats = time_calls(look_up, cases, warmup=warmup)

    # (b) Through HTTP: the same bearer token for an endpoint that logs and one that does not.
    ctx.log(f"timing {requests:,} requests to each endpoint")
    secretary = next(m for m in memberships if m.role == Role.SECRETARY)
    _token, raw = api_token_create(user=secretary.user, organisation=secretary.organisation)
    secretary_actor = actor_from_membership(secretary)
    http = _http_interleaved(
        ctx,
        client=Client(headers={"authorization": f"Bearer {raw}"}),
        patient_ids=by_unit[secretary.unit_id],
        record=lambda patient_id: record((secretary_actor, patient_id)),
        requests=requests,
        warmup=warmup,
    )
    connect_stats = _connection_open(ctx.count(200, minimum=20))

    ctx.log("verifying the whole chain")
    started = time.perf_counter()
    report = access_log_verify()
    verify_seconds = time.perf_counter() - started
    if not report.is_intact:
        raise RuntimeError(f"The access-log chain is broken: {report.first_break}")
    entries = AccessLogEntry.objects.count()

    notes = []
    max_age = settings.DATABASES["default"].get("CONN_MAX_AGE", 0)
    if not max_age:
        notes.append(
            "CONN_MAX_AGE is 0, so every served request also pays for opening a connection;"
            " the test client keeps its connection, so the request figures leave that out."
        )
    else:
        notes.append(f"CONN_MAX_AGE is {max_age} s: a worker opens a connection about that rarely.")
    ms = "ms"
    delta = http["patient"].median - http["me"].median
    return Outcome(
        measurements=[
            Measurement(
                "record_median",
                "access_log_record, median",
                record_stats.median,
                ms,
                target=TARGET_RECORD_MS,
            ),
            Measurement("record_p95", "access_log_record, p95", record_stats.p95, ms),
            Measurement("record_p99", "access_log_record, p99", record_stats.p99, ms),
            *(
                [
                    Measurement(
                        "record_async_commit_median",
                        "access_log_record, median, synchronous_commit=off",
                        async_commit_stats.median,
                        ms,
                    )
                ]
                if async_commit_stats
                else []
            ),
            Measurement(
                "record_sql_median",
                "… of which SQL statements, median",
                breakdown["sql"].median,
                ms,
            ),
            Measurement(
                "record_commit_median", "… of which COMMIT, median", breakdown["commit"].median, ms
            ),
            Measurement(
                "record_python_median",
                "… of which Python (ORM, hashing), median",
                breakdown["python"].median,
                ms,
            ),
            Measurement(
                "access_patient_median",
                "access_patient (lookup + entry), median",
                access_stats.median,
                ms,
            ),
            Measurement(
                "http_patient_median",
                "GET /api/v1/patients/{id}, median",
                http["patient"].median,
                ms,
            ),
            Measurement("http_me_median", "GET /api/v1/me, median", http["me"].median, ms),
            # Not the access log alone: the patient lookup and its serialisation too (the
            # target applies to access_log_record above).
            Measurement(
                "http_delta",
                "Patient read per request: lookup + log entry + JSON (patients minus me)",
                delta,
                ms,
            ),
            Measurement(
                "http_record_median",
                "access_log_record beside the requests, median",
                http["record"].median,
                ms,
            ),
            Measurement(
                "http_patient_p95", "GET /api/v1/patients/{id}, p95", http["patient"].p95, ms
            ),
            Measurement("http_me_p95", "GET /api/v1/me, p95", http["me"].p95, ms),
            Measurement(
                "connection_open_median",
                "Opening a database connection, median",
                connect_stats.median,
                ms,
            ),
            Measurement(
                "verify_rate",
                "access_log_verify, throughput",
                entries / verify_seconds,
                "entries/s",
                better="higher",
            ),
            Measurement("verify_seconds", "access_log_verify, whole chain", verify_seconds, "s"),
        ],
        parameters={
            "access-log entries before timing": log_volume,
            "access-log entries at verification": entries,
            "seeding time (s)": round(seed_seconds, 1),
            "patients": len(patients),
            "organisations / staff": f"{len(clinics)} / {len(memberships)}",
            "timed calls (in process)": calls,
            "timed requests per endpoint": requests,
            "warm-up calls": warmup,
        },
        notes=notes,
    )


def _http_interleaved(
    ctx: BenchContext,
    *,
    client: Client,
    patient_ids: list[uuid.UUID],
    record: Callable[[uuid.UUID], None],
    requests: int,
    warmup: int,
) -> dict[str, Stats]:
    """Time the two endpoints and a direct entry, rotating their order so drift hits all."""
    samples: dict[str, list[float]] = {"patient": [], "me": [], "record": []}

    def get_patient() -> None:
        patient_id = ctx.rng.choice(patient_ids)
        response = client.get(f"/api/v1/patients/{patient_id}")
        if response.status_code != 200:
            raise RuntimeError(f"GET patient: {response.status_code} {response.content[:200]!r}")

    def get_me() -> None:
        response = client.get("/api/v1/me")
        if response.status_code != 200:
            raise RuntimeError(f"GET me: {response.status_code} {response.content[:200]!r}")

    def direct() -> None:
        record(ctx.rng.choice(patient_ids))

    steps = [("patient", get_patient), ("me", get_me), ("record", direct)]
    for index in range(warmup + requests):
        shift = index % len(steps)
        for name, step in steps[shift:] + steps[:shift]:
            connection.ensure_connection()
            start = time.perf_counter_ns()
            step()
            elapsed = (time.perf_counter_ns() - start) / 1e6
            if index >= warmup:
                samples[name].append(elapsed)
    return {name: Stats.of(values) for name, values in samples.items()}


def _connection_open(count: int) -> Stats:
    """Close and reopen the default connection, including its init commands and first query."""

    def reopen(_: int) -> None:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    return time_calls(reopen, list(range(count + 5)), warmup=5, before_each=connection.close)


def _record_breakdown(
    record: Callable[[Case], None], cases: list[Case], *, warmup: int
) -> dict[str, Stats]:
    """Per call: time in SQL statements, in COMMIT, and the rest (Python: ORM, hashing).

    A separate pass, so the instrumentation does not touch the headline figures.
    """
    elapsed = {"sql": 0.0, "commit": 0.0}

    def timed_sql(execute: Callable, sql: str, params: object, many: bool, context: dict) -> object:
        start = time.perf_counter_ns()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed["sql"] += (time.perf_counter_ns() - start) / 1e6

    # Django has no public hook around COMMIT; wrap the backend's method for this pass only.
    plain_commit = connection._commit

    def timed_commit() -> None:
        start = time.perf_counter_ns()
        try:
            plain_commit()
        finally:
            elapsed["commit"] += (time.perf_counter_ns() - start) / 1e6

    samples: dict[str, list[float]] = {"sql": [], "commit": [], "python": []}
    connection._commit = timed_commit  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(timed_sql):
            for index, case in enumerate(cases):
                elapsed.update(sql=0.0, commit=0.0)
                start = time.perf_counter_ns()
                record(case)
                total = (time.perf_counter_ns() - start) / 1e6
                if index >= warmup:
                    samples["sql"].append(elapsed["sql"])
                    samples["commit"].append(elapsed["commit"])
                    samples["python"].append(total - elapsed["sql"] - elapsed["commit"])
    finally:
        del connection._commit  # back to the class's method
    return {name: Stats.of(values) for name, values in samples.items()}
