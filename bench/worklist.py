"""The work queue (issue 14): the first page of a unit's queue with 10,000 open items —
tasks, dictations, failed messages and, where the pathways kinds are registered, referrals
waiting for visitation — through HTTP and in process."""

from __future__ import annotations

import gc
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.registry import BenchContext, Measurement, Outcome, benchmark
from bench.timing import Stats
from klinik.audit.choices import Channel
from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.core.models import Membership, Unit, User
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import (
    TEST_PASSWORD,
    MembershipFactory,
    OrganisationFactory,
    UnitFactory,
)
from klinik.core.worklist import work_kinds
from klinik.correspondence.choices import MessageChannel, MessageKind, MessageStatus
from klinik.correspondence.models import OutboxMessage
from klinik.pathways.choices import TaskPriority, TaskStatus
from klinik.pathways.models import Task
from klinik.patients.models import Patient
from klinik.patients.tests.factories import PatientFactory
from klinik.records.choices import DictationPriority, DictationStatus
from klinik.records.models import Dictation
from klinik.worklist.selectors import Due, WorklistFilter, worklist_page

TARGET_PAGE_MS = 50.0
BATCH = 1000

ABOUT = """\
One organisation (two units; a secretary, a nurse and two doctors in the first) with 2,000
patients keeps **10,000 open items** in the first unit's work queue: tasks (for the unit, for
the secretaries, for the nurse, for the secretary herself, for a doctor; most with a due date,
some overdue), dictations waiting or being transcribed (urgent, normal, low; some past their
deadline), messages that failed to send and — when the pathways app registers its kind —
referrals waiting for visitation. Beside them lie as many closed items (done and cancelled
tasks, cancelled dictations, sent messages) and a second unit and organisation with their own
queue, so the indexes carry the weight of a running installation. The rows are inserted in
bulk, then `ANALYZE` (SQLite) or `VACUUM ANALYZE` (PostgreSQL). The secretary then opens the
queue as in production — every kind asked for one page, merged by urgency, the page's patients
named in one query, the opening written to the access log: **through HTTP** with Django's test
client and the full middleware stack, the screen `GET /arbejdsliste/` (rendered, logged-in
session) and `GET /api/v1/worklist` (bearer token); **in process**, `worklist_page` unfiltered,
filtered to what is overdue and to the tasks. Calls are shuffled together after a warm-up.
The target: the screen's first page ≤ 50 ms p95 through HTTP."""


@dataclass(frozen=True)
class Step:
    kind: str  # "screen", "api", "process", "overdue", "tasks"


@benchmark(name="worklist", title="Work queue with 10,000 open items", about=ABOUT)
def worklist(ctx: BenchContext) -> Outcome:
    open_items = ctx.count(10_000, minimum=1_000)
    patients = ctx.count(2_000, minimum=200)
    calls = ctx.count(300, minimum=60)
    warmup = ctx.count(30, minimum=10)

    started = time.perf_counter()
    world = _world(ctx, patients)
    counts = _seed(ctx, world, open_items)
    seed_seconds = time.perf_counter() - started
    maintenance = "ANALYZE" if ctx.database == "sqlite" else "VACUUM ANALYZE"
    ctx.log(f"seeded in {seed_seconds:.1f} s; running {maintenance}")
    with connection.cursor() as cursor:
        cursor.execute(maintenance)

    run = _runner(world)
    steps = [Step(kind) for kind in ("screen", "api", "process", "overdue", "tasks")]
    warm = [s for s in steps for _ in range(warmup)]
    timed = [s for s in steps for _ in range(calls)]
    ctx.rng.shuffle(warm)
    ctx.rng.shuffle(timed)
    ctx.log(f"timing {len(timed):,} calls after {len(warm):,} warm-up calls")
    for step in warm:
        _check(step, run(step))
    gc.collect()
    samples: dict[str, list[float]] = {s.kind: [] for s in steps}
    for step in timed:
        connection.ensure_connection()
        start = time.perf_counter_ns()
        outcome = run(step)
        samples[step.kind].append((time.perf_counter_ns() - start) / 1e6)
        _check(step, outcome)

    queries = {}
    for kind in ("screen", "api", "process"):
        with CaptureQueriesContext(connection) as captured:
            run(Step(kind))
        queries[kind] = len(captured)
    return Outcome(
        measurements=_measurements(samples),
        parameters={
            "open items in the unit's queue": sum(counts[k] for k in counts if k != "closed"),
            **{f"open {kind}": n for kind, n in sorted(counts.items()) if kind != "closed"},
            "closed items beside them": counts["closed"],
            "patients": patients,
            "kinds registered": ", ".join(k.key for k in work_kinds()),
            "seeding (s)": round(seed_seconds, 1),
            "timed calls per kind": calls,
            "warm-up calls per kind": warmup,
            "page size": 50,
        },
        notes=[
            f"Queries per call (one warm call each): screen {queries['screen']}, API "
            f"{queries['api']}, in process {queries['process']}. Each kind costs one query (its "
            "first page with a window count) or two (the page, the count; the deadlines also "
            "read their warning setting), whatever the number of items; the rest is the "
            "session, the filter choices, the names on the page, its patients and the "
            "access-log entry. The simple kinds' reads are compiled once per connection and "
            "query (work_rows), so a page asked again builds no ORM query for them."
        ],
    )


# Data -----------------------------------------------------------------------------------------


def _world(ctx: BenchContext, patients: int) -> dict[str, Any]:
    organisation = OrganisationFactory()
    unit, unit2 = UnitFactory(organisation=organisation), UnitFactory(organisation=organisation)

    def member(role: Role, first: str, unit: Unit = unit) -> Membership:
        return MembershipFactory(unit=unit, role=role, user__first_name=first)

    secretary = member(Role.SECRETARY, "Sanne")
    nurse = member(Role.NURSE, "Nina")
    doctors = [member(Role.DOCTOR, "Dorthe"), member(Role.DOCTOR, "Dennis")]
    member(Role.SECRETARY, "Sofie", unit2)
    ctx.log(f"registering {patients:,} patients")
    people = [PatientFactory(unit=unit) for _ in range(patients)]
    outside_unit = UnitFactory(organisation=OrganisationFactory())
    outside = MembershipFactory(unit=outside_unit, role=Role.DOCTOR)
    return {
        "unit": unit,
        "unit2": unit2,
        "secretary": secretary,
        "nurse": nurse,
        "doctors": doctors,
        "patients": people,
        "outside": {
            "unit": outside_unit,
            "doctor": outside,
            "patient": PatientFactory(unit=outside_unit),
        },
    }


def _bulk(model: Any, rows: list[Any]) -> None:
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[start : start + BATCH])


def _seed(ctx: BenchContext, world: dict[str, Any], open_items: int) -> Counter[str]:
    rng = ctx.rng
    now = timezone.now()
    today = timezone.localdate()
    kinds = {k.key for k in work_kinds()}
    with_referrals = "referral" in kinds
    share = {"task": 0.45, "dictation": 0.4, "outbox": 0.05, "referral": 0.1}
    if not with_referrals:
        share["task"] += share.pop("referral")
    counts: Counter[str] = Counter()
    unit: Unit = world["unit"]
    secretary: User = world["secretary"].user
    doctors = [m.user for m in world["doctors"]]
    patients: list[Patient] = world["patients"]

    def task(unit: Unit, patient: Patient, *, status: str = TaskStatus.OPEN) -> Task:
        who = rng.random()
        assignee, role = None, ""
        if who < 0.15:
            assignee = secretary
        elif who < 0.25:
            assignee = rng.choice(doctors)
        elif who < 0.55:
            role = Role.SECRETARY
        elif who < 0.65:
            role = Role.NURSE
        due = today + timedelta(days=rng.randint(-10, 60)) if rng.random() < 0.8 else None
        return Task(
            organisation_id=unit.organisation_id,
            unit=unit,
            title=rng.choice(
                ["Ring til patienten", "Send epikrise", "Bestil tolk", "Book scanning"]
            ),
            patient=patient if rng.random() < 0.9 else None,
            assignee=assignee,
            assignee_role=role,
            due=due,
            priority=rng.choice(list(TaskPriority.values)),
            status=status,
            created_by=secretary,
            closed_at=now if status != TaskStatus.OPEN else None,
        )

    def dictation(unit: Unit, patient: Patient, *, status: str) -> Dictation:
        taken = status == DictationStatus.IN_PROGRESS
        cancelled = status == DictationStatus.CANCELLED
        author = rng.choice(doctors)
        return Dictation(
            organisation_id=unit.organisation_id,
            unit=unit,
            patient=patient,
            author=author,
            priority=rng.choice(list(DictationPriority.values)),
            deadline=now + timedelta(hours=rng.randint(-72, 24 * 14)),
            status=status,
            text="Diktat",
            taken_by=secretary if taken else None,
            taken_at=now if taken else None,
            cancelled_by=author if cancelled else None,
            cancelled_at=now if cancelled else None,
            cancel_reason="Fejl" if cancelled else "",
        )

    def message(unit: Unit, patient: Patient, *, status: str) -> OutboxMessage:
        return OutboxMessage(
            organisation_id=unit.organisation_id,
            unit=unit,
            patient=patient,
            kind=MessageKind.REMINDER,
            channel=MessageChannel.SMS,
            recipient="+4512345678",
            body="Husk din tid",
            status=status,
            scheduled_for=now - timedelta(hours=rng.randint(1, 24 * 30)),
            sent_at=now if status == MessageStatus.SENT else None,
            attempts=3,
        )

    n_tasks = round(open_items * share["task"])
    n_dictations = round(open_items * share["dictation"])
    n_messages = round(open_items * share["outbox"])
    ctx.log(
        f"writing {n_tasks:,} tasks, {n_dictations:,} dictations, {n_messages:,} failed messages"
    )
    _bulk(Task, [task(unit, rng.choice(patients)) for _ in range(n_tasks)])
    counts["task"] = n_tasks
    waiting = [DictationStatus.WAITING] * 3 + [DictationStatus.IN_PROGRESS]
    _bulk(
        Dictation,
        [
            dictation(unit, rng.choice(patients), status=rng.choice(waiting))
            for _ in range(n_dictations)
        ],
    )
    counts["dictation"] = n_dictations
    _bulk(
        OutboxMessage,
        [
            message(unit, rng.choice(patients), status=MessageStatus.FAILED)
            for _ in range(n_messages)
        ],
    )
    counts["outbox"] = n_messages
    if with_referrals:
        n_referrals = open_items - n_tasks - n_dictations - n_messages
        _referrals_seed(ctx, world, n_referrals)
        counts["referral"] = n_referrals
    # As many closed items, and the other unit's and organisation's queues.
    closed_tasks = [
        task(unit, rng.choice(patients), status=rng.choice([TaskStatus.DONE, TaskStatus.CANCELLED]))
        for _ in range(n_tasks)
    ]
    _bulk(Task, closed_tasks)
    _bulk(
        Dictation,
        [
            dictation(unit, rng.choice(patients), status=DictationStatus.CANCELLED)
            for _ in range(n_dictations)
        ],
    )
    _bulk(
        OutboxMessage,
        [
            message(unit, rng.choice(patients), status=MessageStatus.SENT)
            for _ in range(n_messages * 10)
        ],
    )
    counts["closed"] = len(closed_tasks) + n_dictations + n_messages * 10
    outside = world["outside"]
    _bulk(Task, [task(world["unit2"], rng.choice(patients)) for _ in range(n_tasks // 4)])
    _bulk(Task, [task(outside["unit"], outside["patient"]) for _ in range(n_tasks // 4)])
    return counts


def _referrals_seed(ctx: BenchContext, world: dict[str, Any], count: int) -> None:
    """Referrals waiting for visitation, each with its udredningsret clocks (the pathways
    app's models, when its kinds are registered)."""
    from klinik.pathways.choices import ReferralPriority, ReferralStatus
    from klinik.pathways.models import Deadline, DeadlineRule, Referral

    rng = ctx.rng
    now = timezone.now()
    today = timezone.localdate()
    unit: Unit = world["unit"]
    rules = list(DeadlineRule.objects.filter(code__in=["udredningsret-besked", "udredningsret"]))
    ctx.log(f"writing {count:,} referrals waiting for visitation, {len(rules)} clocks each")
    referrals = []
    dues: list[list[Any]] = []
    for _ in range(count):
        received = now - timedelta(hours=rng.randint(1, 24 * 40))
        due = [today + timedelta(days=rng.randint(-10, 30)) for _rule in rules]
        dues.append(due)
        referrals.append(
            Referral(
                organisation_id=unit.organisation_id,
                unit=unit,
                patient=rng.choice(world["patients"]),
                received_at=received,
                referrer_name="Lægehuset",
                reason="Udredning",
                priority=rng.choice(list(ReferralPriority.values)),
                status=ReferralStatus.RECEIVED,
                rights=[r.code for r in rules],
                next_due=min(due) if due else None,
            )
        )
    _bulk(Referral, referrals)
    saved = list(Referral.objects.filter(unit=unit).order_by("id"))
    _bulk(
        Deadline,
        [
            Deadline(
                organisation_id=unit.organisation_id,
                unit=unit,
                referral=referral,
                rule=rule,
                start=timezone.localdate(referral.received_at),
                due=due,
            )
            for referral, due_dates in zip(saved, dues, strict=False)
            for rule, due in zip(rules, due_dates, strict=True)
        ],
    )


# Running ---------------------------------------------------------------------------------------


def _runner(world: dict[str, Any]) -> Any:
    secretary: Membership = world["secretary"]
    actor = actor_from_membership(secretary)
    _token, raw = api_token_create(user=secretary.user, organisation=secretary.organisation)
    api = Client(headers={"authorization": f"Bearer {raw}"})
    browser = Client()
    response = browser.post(
        "/login/", {"username": secretary.user.username, "password": TEST_PASSWORD}
    )
    if response.status_code != 302:
        raise RuntimeError(f"Login: {response.status_code} {response.content[:200]!r}")

    def run(step: Step) -> Any:
        if step.kind == "screen":
            return browser.get("/arbejdsliste/")
        if step.kind == "api":
            return api.get("/api/v1/worklist")
        chosen = {
            "process": WorklistFilter(),
            "overdue": WorklistFilter(due=Due.OVERDUE),
            "tasks": WorklistFilter(kind="task"),
        }[step.kind]
        page = worklist_page(actor=actor, chosen=chosen, channel=Channel.UI)
        return [(r.item.title, r.patient.name if r.patient else "") for r in page.rows]

    return run


def _check(step: Step, outcome: Any) -> None:
    if isinstance(outcome, HttpResponse):
        if outcome.status_code != 200:
            raise RuntimeError(f"{step.kind}: {outcome.status_code} {outcome.content[:300]!r}")
        return
    if not outcome:
        raise RuntimeError(f"{step.kind}: an empty page")


def _measurements(samples: dict[str, list[float]]) -> list[Measurement]:
    rows = [
        ("screen", "Screen GET /arbejdsliste/ through HTTP, first page", "p95"),
        ("api", "API GET /api/v1/worklist through HTTP, first page", None),
        ("process", "worklist_page in process, first page", None),
        ("overdue", "worklist_page in process, overdue only", None),
        ("tasks", "worklist_page in process, tasks only", None),
    ]
    found = []
    for kind, label, target_on in rows:
        stats = Stats.of(samples[kind])
        for stat in ("median", "p95"):
            found.append(
                Measurement(
                    f"{kind}_{stat}",
                    f"{label}, {stat}",
                    getattr(stats, stat),
                    "ms",
                    target=TARGET_PAGE_MS if stat == target_on else None,
                )
            )
    return found
