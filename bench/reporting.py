"""Reporting (issue 18): a unit's quality dashboard over a year of data."""

from __future__ import annotations

import time
import uuid
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test import Client
from django.utils import timezone

from bench.registry import BenchContext, Measurement, Outcome, benchmark
from bench.timing import time_calls
from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import (
    TEST_PASSWORD,
    MembershipFactory,
    OrganisationFactory,
    UnitFactory,
)
from klinik.pathways.choices import DeadlineState
from klinik.pathways.models import Deadline, DeadlineRule, Referral
from klinik.patients.tests.factories import PatientFactory
from klinik.records.choices import ContactKind, DictationStatus, EntryType
from klinik.records.models import Contact, Dictation, JournalEntry, JournalSignature
from klinik.reporting.dashboards.periods import YEAR, period_of
from klinik.reporting.dashboards.selectors import dashboard_build
from klinik.reporting.models import DrgImport, DrgValue
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.choices import AppointmentStatus, BookedVia
from klinik.scheduling.models import Appointment, AppointmentResource
from klinik.scheduling.tests.factories import clinic_create

TARGET_MS = 200
PRACTITIONERS = 10
PER_DAY = 16  # appointments per practitioner and working day

ABOUT = """\
**Quality dashboard**: one hospital unit with a year of data (the year before the run's
month): 10 practitioners with 7.5 opening hours a working day and 16 appointments of 20
minutes each on every working day (some 40,000, a tenth no-shows, a twentieth cancelled),
5,000 referrals with two deadlines each (patient rights, met, met late or breached), 5,000
dictations, 20,000 journal entries of which a fifth wait for approval, and 20,000 imported
DRG values. Timed: `dashboard_build` for the year (every panel: compliance per right,
no-shows, dictation turnaround, unsigned notes, capacity, DRG production), in process and
as the HTML page through HTTP; beside it the SQL statements one call runs. A panel counted per
month reads each month as its own index range, the months joined by `UNION ALL` in one
statement (no-shows on the covering appointment index (organisation, unit, start, status),
held capacity, dictation turnaround on (organisation, unit, completed_at)), instead of a
filtered aggregate per month evaluated on every row of the year (ADR 0038). Target (issue 18):
≤ 200 ms per dashboard."""


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, clock_time(hour, minute), tzinfo=LOCAL)


@benchmark(name="reporting", title="Reporting: the quality dashboard over a year", about=ABOUT)
def reporting(ctx: BenchContext) -> Outcome:
    organisation = OrganisationFactory(slug="bench-hospital", name="Bench Hospital")
    unit = UnitFactory(organisation=organisation, name="Ambulatoriet")
    membership = MembershipFactory(role=Role.SECRETARY, unit=unit)
    actor = actor_from_membership(membership)
    clinic = clinic_create(unit, doctors=PRACTITIONERS, rooms=0)
    patients = [PatientFactory(unit=unit) for _ in range(ctx.count(200, minimum=20))]
    period = period_of(YEAR, timezone.localdate().replace(day=1) - timedelta(days=1))
    rng = ctx.rng
    org_id = organisation.pk
    ctx.log("creating a year of appointments, deadlines, dictations, entries, DRG values")
    days = [
        period.first + timedelta(days=i)
        for i in range((period.last - period.first).days + 1)
        if (period.first + timedelta(days=i)).weekday() < 5
    ]
    appointments, holds = [], []
    for day in days[: ctx.count(len(days), minimum=20)]:
        for doctor in clinic.doctors:
            for slot in range(PER_DAY):
                start = _at(day, 8) + timedelta(minutes=slot * 25)
                end = start + timedelta(minutes=20)
                roll = rng.random()
                status = (
                    AppointmentStatus.NO_SHOW
                    if roll < 0.1
                    else AppointmentStatus.CANCELLED
                    if roll < 0.15
                    else AppointmentStatus.FINISHED
                )
                key = uuid.uuid4()
                appointment = Appointment(
                    organisation_id=org_id,
                    unit=unit,
                    appointment_type=clinic.consultation,
                    patient=rng.choice(patients),
                    start=start,
                    end=end,
                    block_end=end,
                    status=status,
                    booked_via=BookedVia.STAFF,
                    session_key=key,
                )
                appointments.append(appointment)
                holds.append(
                    (appointment, doctor, start, end, key, status == AppointmentStatus.FINISHED)
                )
    Appointment.objects.bulk_create(appointments, batch_size=2000)
    AppointmentResource.objects.bulk_create(
        [
            AppointmentResource(
                organisation_id=org_id,
                appointment=a,
                resource=doctor,
                start=start,
                block_end=end,
                session_key=key,
                holds_time=holds_time,
            )
            for a, doctor, start, end, key, holds_time in holds
        ],
        batch_size=2000,
    )
    rules = list(DeadlineRule.objects.filter(code__in=["udredningsret", "behandlingsret"]))
    referrals = Referral.objects.bulk_create(
        [
            Referral(
                organisation_id=org_id,
                unit=unit,
                patient=rng.choice(patients),
                received_at=_at(rng.choice(days), 9),
                referrer_name="Lægehuset",
                reason="Bench",
                priority="planlagt",
            )
            for _ in range(ctx.count(5000, minimum=100))
        ],
        batch_size=2000,
    )
    deadlines = []
    for referral in referrals:
        start = timezone.localtime(referral.received_at).date()
        for rule in rules:
            due = start + timedelta(days=30)
            roll = rng.random()
            met = due - timedelta(days=rng.randrange(-5, 25))
            deadlines.append(
                Deadline(
                    organisation_id=org_id,
                    unit=unit,
                    referral=referral,
                    rule=rule,
                    start=start,
                    due=due,
                    state=DeadlineState.MET if roll < 0.8 else DeadlineState.OPEN,
                    met_at=_at(met, 10) if roll < 0.8 else None,
                )
            )
    Deadline.objects.bulk_create(deadlines, batch_size=2000)
    entries = []
    for _ in range(ctx.count(20000, minimum=200)):
        recorded = _at(rng.choice(days), rng.randrange(8, 16))
        entries.append(
            JournalEntry(
                organisation_id=org_id,
                unit=unit,
                patient=rng.choice(patients),
                entry_type=EntryType.NOTE,
                text="Bench-notat",
                author=membership.user,
                recorded_at=recorded,
                occurred_at=recorded,
                needs_signature=rng.random() < 0.2,
            )
        )
    JournalEntry.objects.bulk_create(entries, batch_size=2000)
    JournalSignature.objects.bulk_create(
        [
            JournalSignature(
                organisation_id=org_id,
                entry=e,
                signed_by=membership.user,
                signed_at=e.recorded_at + timedelta(days=rng.randrange(0, 20)),
            )
            for e in entries
            if e.needs_signature and rng.random() < 0.7
        ],
        batch_size=2000,
    )
    dictation_entries = [e for e in entries if not e.needs_signature]
    Dictation.objects.bulk_create(
        [
            Dictation(
                organisation_id=org_id,
                unit=unit,
                patient=e.patient,
                author=membership.user,
                deadline=e.recorded_at + timedelta(hours=24),
                status=DictationStatus.DONE,
                entry=e,
                created_at=e.recorded_at,
                completed_at=e.recorded_at + timedelta(hours=rng.randrange(1, 72)),
            )
            for e in dictation_entries[: ctx.count(5000, minimum=50)]
        ],
        batch_size=2000,
    )
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                organisation_id=org_id,
                unit=unit,
                patient=rng.choice(patients),
                kind=ContactKind.PHYSICAL,
                started_at=_at(rng.choice(days), 10),
            )
            for _ in range(ctx.count(20000, minimum=200))
        ],
        batch_size=2000,
    )
    drg_import = DrgImport.objects.create(
        organisation=organisation, file_name="bench.csv", imported_at=timezone.now()
    )
    DrgValue.objects.bulk_create(
        [
            DrgValue(
                organisation_id=org_id,
                drg_import=drg_import,
                unit=unit,
                period=timezone.localtime(c.started_at).date().replace(day=1),
                contact=c,
                dags_group="PG12A",
                tariff=Decimal(rng.randrange(500, 5000)),
                line_number=i + 2,
            )
            for i, c in enumerate(contacts)
        ],
        batch_size=2000,
    )
    ctx.log(f"{len(appointments):,} appointments; timing the year's dashboard")
    calls = ctx.count(20, minimum=5)
    in_process = time_calls(
        lambda _: dashboard_build(actor=actor, unit=unit, period=period),
        list(range(calls + 2)),
        warmup=2,
    )
    # Counted by an execute wrapper: CaptureQueriesContext reads the connection's bounded
    # query log, which a long run can leave full (it then counted 0).
    statements: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        dashboard_build(actor=actor, unit=unit, period=period)
    client = Client()
    assert client.login(username=membership.user.username, password=TEST_PASSWORD)
    url = f"/reports/quality/{unit.public_id}/?period={period.key}"
    http = time_calls(lambda _: client.get(url), list(range(calls + 2)), warmup=2)
    started = time.perf_counter()
    client.get(f"/reports/quality/{unit.public_id}/export.xlsx?period={period.key}")
    export_ms = (time.perf_counter() - started) * 1000
    return Outcome(
        measurements=[
            Measurement(
                key="dashboard_year_in_process",
                label="Quality dashboard, a year (in process), median",
                value=round(in_process.median, 1),
                unit="ms",
                target=TARGET_MS,
            ),
            Measurement(
                key="dashboard_year_http",
                label="Quality dashboard, a year (HTML through HTTP), median",
                value=round(http.median, 1),
                unit="ms",
                target=TARGET_MS,
            ),
            Measurement(
                key="dashboard_year_export",
                label="Quality dashboard, a year, as Excel (one call)",
                value=round(export_ms, 1),
                unit="ms",
            ),
        ],
        parameters={
            "appointments": len(appointments),
            "deadlines": len(deadlines),
            "journal_entries": len(entries),
            "drg_values": len(contacts),
            "statements": len(statements),
            "p95_in_process_ms": round(in_process.p95, 1),
        },
    )
