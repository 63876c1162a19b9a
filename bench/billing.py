"""Billing (issue 16): invoice numbers under concurrent issue."""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import billing_worker
from bench.data import clinics_create
from bench.registry import BenchContext, Measurement, Outcome, benchmark
from bench.timing import Stats
from klinik.billing.models import Invoice
from klinik.billing.services import invoice_create
from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.patients.models import Patient
from klinik.patients.tests.factories import PatientFactory

INVOICES = 200
PROCESSES = 8
TARGET_P95_MS = 50.0

ABOUT = """\
**Invoice numbers under concurrency**: 200 invoices (two lines, 0 % and 25 % VAT) issued in
one organisation by 8 processes at once through `invoice_create`, each with its own
connection; the processes start issuing together once all are set up and connected, and each
issue is timed inside its process (the wait for the series' lock included). Checks: 200
distinct numbers 1..200 with no gap, 0 errors. Target: p95 per invoice ≤ 50 ms on PostgreSQL
(SQLite's one writer queues the processes; reported, no target). The count does not scale
down with `--quick`. An issue runs 6 statements on PostgreSQL (7 on SQLite); the number is
taken by the last statement before the access-log entry (2) and the commit, so the series is
locked only for those (ADR 0036)."""


@benchmark(name="billing", title="Billing: invoice numbers under concurrency", about=ABOUT)
def billing(ctx: BenchContext) -> Outcome:
    clinic = clinics_create(count=1, units_per_clinic=1, staff_per_unit=5)[0]
    unit = clinic.units[0]
    secretaries = [m for m in clinic.memberships if m.role == Role.SECRETARY]
    patients = [PatientFactory(unit=unit).pk for _ in range(20)]
    jobs = [
        {"membership": secretaries[i % len(secretaries)].pk, "patient": patients[i % 20]}
        for i in range(INVOICES)
    ]
    ctx.log(f"issuing {INVOICES} invoices from {PROCESSES} processes")
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(PROCESSES + 1)
    with context.Pool(
        PROCESSES,
        initializer=billing_worker.setup,
        initargs=(connection.settings_dict["NAME"], ready),
    ) as pool:
        ready.wait(timeout=300)  # every process set up and connected
        started = time.perf_counter()
        results = pool.map(billing_worker.issue, jobs, chunksize=1)
        seconds = time.perf_counter() - started
    outcomes = Counter(outcome for outcome, _ms, _number in results)
    errors = INVOICES - outcomes["ok"]
    stats = Stats.of([ms for outcome, ms, _n in results if outcome == "ok"] or [0.0, 0.0])
    numbers = sorted(
        Invoice.objects.filter(organisation=clinic.organisation).values_list("number", flat=True)
    )
    consecutive = numbers == list(range(1, INVOICES + 1))
    notes = [f"{outcome}: {n}" for outcome, n in outcomes.items() if outcome != "ok"]
    assert Patient.objects.filter(pk__in=patients).count() == 20
    statements, locked = _statements_per_issue()
    return Outcome(
        measurements=[
            Measurement(
                key="invoice_issue_p95",
                label="Invoice issued under 8-process contention: p95",
                value=round(stats.p95, 1),
                unit="ms",
                target=TARGET_P95_MS if ctx.database == "postgresql" else None,
            ),
            Measurement(
                key="invoice_issue_median",
                label="Invoice issued under contention: median",
                value=round(stats.median, 1),
                unit="ms",
            ),
            Measurement(
                key="invoice_errors",
                label="Errors among 200 concurrent issues",
                value=errors,
                unit="",
                target=0.5,
            ),
            Measurement(
                key="invoice_numbers_consecutive",
                label="Numbers 1..200, distinct, no gap (1 = yes)",
                value=1 if consecutive else 0,
                unit="",
                target=1,
                better="higher",
            ),
            Measurement(
                key="invoice_issue_throughput",
                label="Invoices issued per second (8 processes)",
                value=round(INVOICES / seconds, 1),
                unit="/s",
            ),
        ],
        parameters={
            "invoices": INVOICES,
            "processes": PROCESSES,
            "lines": 2,
            "statements per issue": statements,
            "statements from the number on (then the commit)": locked,
        },
        notes=notes,
    )


def _statements_per_issue() -> tuple[int, int]:
    """The SQL statements of one more issue (in an organisation of its own, its series
    already started), and how many of them run from the statement that takes the number on:
    on PostgreSQL the series is locked from there to the commit."""
    clinic = clinics_create(count=1, units_per_clinic=1, staff_per_unit=2)[0]
    secretary = next(m for m in clinic.memberships if m.role == Role.SECRETARY)
    actor = actor_from_membership(secretary)
    patient = PatientFactory(unit=clinic.units[0])
    lines = billing_worker.lines()
    invoice_create(actor=actor, patient=patient, lines=lines)
    with CaptureQueriesContext(connection) as queries:
        invoice_create(actor=actor, patient=patient, lines=lines)
    # Django lists BEGIN and COMMIT among the queries: not counted.
    statements = [q["sql"] for q in queries.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
    taken = next(i for i, sql in enumerate(statements) if "last_number = last_number + 1" in sql)
    return len(statements), len(statements) - taken


SETTLEMENT_FEES = 4000
SETTLEMENT_PATIENTS = 10_000
TARGET_SETTLEMENT_S = 2.0

SETTLEMENT_ABOUT = """\
**Regional settlement batch**: a month's batch for a 10,000-patient GP practice (1,000 with
`--quick`): 4,000 approved fees (400) spread over the month's working days and the patients,
built with `settlement_build` (lock the approved fees, assign them to the batch, sum them,
write the "KLINIK-AFREGNING 1" file with one line per fee and hand it to the local adapter).
Target: ≤ 2 s."""


@benchmark(
    name="billing_settlement", title="Billing: a month's settlement batch", about=SETTLEMENT_ABOUT
)
def billing_settlement(ctx: BenchContext) -> Outcome:
    from datetime import date, timedelta
    from decimal import Decimal

    from django.utils import timezone

    from klinik.billing.choices import FeePayer, FeeStatus
    from klinik.billing.fees.settlement import settlement_build
    from klinik.billing.models import Fee
    from klinik.core.services import actor_from_membership
    from klinik.demo.generate import generate_patients

    clinic = clinics_create(count=1, units_per_clinic=1, staff_per_unit=5)[0]
    unit = clinic.units[0]
    secretary = next(m for m in clinic.memberships if m.role == Role.SECRETARY)
    patients_count = ctx.count(SETTLEMENT_PATIENTS, minimum=1000)
    fees_count = ctx.count(SETTLEMENT_FEES, minimum=400)
    ctx.log(f"{patients_count:,} patients, {fees_count:,} approved fees")
    generate_patients(
        organisation=clinic.organisation,
        count=patients_count,
        seed=ctx.rng.randrange(1 << 30),
        units=[unit],
    )
    patient_ids = list(
        Patient.objects.filter(organisation=clinic.organisation).values_list("id", flat=True)
    )
    first = date(2026, 11, 1)
    days = [
        first + timedelta(days=n) for n in range(30) if (first + timedelta(days=n)).weekday() < 5
    ]
    now = timezone.now()
    codes = [
        ("0101", "Konsultation", "161.60"),
        ("0201", "Telefonkonsultation", "32.52"),
        ("2101", "Blodtagning fra blodåre", "64.96"),
    ]
    Fee.objects.bulk_create(
        [
            Fee(
                organisation=clinic.organisation,
                unit=unit,
                patient_id=ctx.rng.choice(patient_ids),
                performed_on=ctx.rng.choice(days),
                code=code,
                title=title,
                insurance_group=1,
                payer=FeePayer.REGION,
                amount=Decimal(amount),
                status=FeeStatus.APPROVED,
                approved_at=now,
            )
            for code, title, amount in (ctx.rng.choice(codes) for _ in range(fees_count))
        ],
        batch_size=2000,
    )
    actor = actor_from_membership(secretary)
    started = time.perf_counter()
    settlement = settlement_build(actor=actor, period=first)
    seconds = time.perf_counter() - started
    assert settlement.fee_count == fees_count
    return Outcome(
        measurements=[
            Measurement(
                key="settlement_build_seconds",
                label="A month's settlement batch built and written",
                value=round(seconds, 3),
                unit="s",
                target=TARGET_SETTLEMENT_S,
            )
        ],
        parameters={"patients": patients_count, "fees": fees_count},
    )
