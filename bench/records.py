"""Record (issue 5): the journal of a patient with 2,000 entries — the record page's first page,
a page deep in the history, a filtered page and one entry with its versions."""

from __future__ import annotations

import gc
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from bench.registry import BenchContext, Measurement, Outcome, benchmark
from bench.timing import Stats
from klinik.audit.choices import Channel
from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.core.models import Membership, Unit
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import (
    TEST_PASSWORD,
    MembershipFactory,
    OrganisationFactory,
    UnitFactory,
)
from klinik.patients.models import Patient
from klinik.patients.tests.factories import PatientFactory
from klinik.records.access import access_record
from klinik.records.choices import ContactKind, EntryType
from klinik.records.journal.selectors import journal_timeline
from klinik.records.models import Contact, JournalEntry, JournalSignature

TARGET_PAGE_MS = 50.0
BATCH = 500

ABOUT = """\
One organisation (three units; two doctors, a secretary and a nurse in the first) keeps the
record of a patient with **2,000 journal entries** over fifteen years — consultation notes,
phone notes, lab results, letters in and out, measurements and dictation transcripts, about a
third written on contacts — beside 500 other patients with 20 entries each (the indexes are
shared, as in a running practice) and a second organisation with its own. About 8 % of the
entries were corrected (1 % twice; the earlier versions stay in the table), the doctors'
entries are signed as they were saved, the secretary's and nurse's were signed later by the
responsible doctor except the newest few. The rows are inserted in bulk, then `ANALYZE`
(SQLite) or `VACUUM ANALYZE` (PostgreSQL) as a running installation would have done. A doctor
of the patient's unit then reads the record, each read passing the access check and writing its
access-log entry as in production: **in process**, the data of the record page's first page
(`access_record` + `journal_timeline`, 50 current versions with author, unit, contact and
signature), a page 1,500 entries deep (keyset cursor), and the first page filtered to lab
results; **through HTTP** with Django's test client and the full middleware stack, the record
page `GET /patients/{id}/record/` (rendered, logged-in session; the API below when the page is
missing), the API's `GET /api/v1/patients/{id}/journal` and `GET /api/v1/journal/{id}` (an
entry with its versions), all with a bearer token. Calls are shuffled together after a warm-up.
The target: the record page's first page ≤ 50 ms (p95 in process, median through HTTP)."""

_TYPES = [
    (EntryType.NOTE, 50),
    (EntryType.PHONE, 18),
    (EntryType.LAB, 12),
    (EntryType.LETTER_IN, 8),
    (EntryType.LETTER_OUT, 5),
    (EntryType.MEASUREMENT, 5),
    (EntryType.DICTATION, 2),
]
_SAMPLE_TEXT = (
    "pt. henvender sig med hoste gennem tre uger ingen feber let dyspnø ved anstrengelse "
    "objektivt upåfaldende stetoskopi vesikulær respiration bilateralt ingen pibelyde "
    "blodtryk målt siddende hjerte regelmæssig aktion ingen mislyde abdomen blødt uøm "
    "plan kontrol om fire uger blodprøver bestilt hæmoglobin kreatinin hba1c lipider "
    "vurdering formentlig postviral hoste ingen tegn på pneumoni information givet "
    "recept fornyet tabl. paracetamol 500 mg x 4 dagligt ved behov svar gennemgået normale"
)
_WORDS = _SAMPLE_TEXT.split()


@dataclass(frozen=True)
class Step:
    path: str  # "process" or "http"
    kind: str  # "first", "deep", "filtered", "page", "api_list", "api_entry"


@dataclass
class Sample:
    step: Step
    ms: float


@benchmark(name="records", title="Record (EPJ) with 2,000 journal entries", about=ABOUT)
def records(ctx: BenchContext) -> Outcome:
    entries = ctx.count(2000, minimum=300)
    others = ctx.count(500, minimum=20)
    calls = ctx.count(300, minimum=60)  # timed calls per kind
    warmup = ctx.count(30, minimum=10)

    started = time.perf_counter()
    world = _world(ctx, others)
    rng = ctx.rng
    counts: Counter[str] = Counter()
    ctx.log(f"writing {entries:,} entries for the patient, 20 each for {others:,} others")
    _journal_seed(rng, world, world["patient"], entries, counts)
    for other in world["others"]:
        _journal_seed(rng, world, other, 20, Counter())
    _journal_seed(rng, world["outside"], world["outside"]["patient"], 200, Counter())
    seed_seconds = time.perf_counter() - started
    maintenance = "ANALYZE" if ctx.database == "sqlite" else "VACUUM ANALYZE"
    ctx.log(f"seeded in {seed_seconds:.1f} s; running {maintenance}")
    with connection.cursor() as cursor:
        cursor.execute(maintenance)

    run, context = _runner(world)
    steps = [
        Step(path, kind)
        for path, kind in [
            ("process", "first"),
            ("process", "deep"),
            ("process", "filtered"),
            ("http", "page"),
            ("http", "api_list"),
            ("http", "api_entry"),
        ]
    ]
    warm = [s for s in steps for _ in range(warmup)]
    timed = [s for s in steps for _ in range(calls)]
    rng.shuffle(warm)
    rng.shuffle(timed)
    ctx.log(f"timing {len(timed):,} calls after {len(warm):,} warm-up calls")
    for step in warm:
        _check(step, run(step))
    gc.collect()
    samples = []
    for step in timed:
        connection.ensure_connection()
        start = time.perf_counter_ns()
        outcome = run(step)
        elapsed = (time.perf_counter_ns() - start) / 1e6
        _check(step, outcome)
        samples.append(Sample(step, elapsed))

    queries = _query_counts(run)
    return Outcome(
        measurements=_measurements(samples, context["page_label"]),
        parameters={
            "journal entries of the patient (all versions)": JournalEntry.objects.filter(
                patient=world["patient"]
            ).count(),
            "current entries of the patient": counts["current"],
            "corrected entries (twice)": f"{counts['corrected']:,} ({counts['twice']:,})",
            "unsigned current entries": counts["unsigned"],
            "contacts of the patient": Contact.objects.filter(patient=world["patient"]).count(),
            "journal entries in the database": JournalEntry.objects.count(),
            "signatures in the database": JournalSignature.objects.count(),
            "other patients with 20 entries each": others,
            "seeding (s)": round(seed_seconds, 1),
            "timed calls per kind": calls,
            "warm-up calls per kind": warmup,
            "page size": 50,
        },
        notes=[
            "Queries per call (one warm call each): "
            + ", ".join(f"{label} {count}" for label, count in queries.items())
            + ". The timeline itself is two queries whatever the page size (the entries with "
            "unit, contact and signature; the people); the rest is the session, the access "
            "check and its log entry, the filter choices, the drafts and the header.",
            *context["notes"],
        ],
    )


# Data -----------------------------------------------------------------------------------------


def _world(ctx: BenchContext, others: int) -> dict[str, Any]:
    organisation = OrganisationFactory()
    units = [UnitFactory(organisation=organisation) for _ in range(3)]
    unit = units[0]

    def member(role: Role, first: str, last: str) -> Membership:
        return MembershipFactory(unit=unit, role=role, user__first_name=first, user__last_name=last)

    doctor = member(Role.DOCTOR, "Dorthe", "Lægesen")
    doctor2 = member(Role.DOCTOR, "Dennis", "Doktorsen")
    secretary = member(Role.SECRETARY, "Sanne", "Sekretær")
    nurse = member(Role.NURSE, "Nina", "Sygeplejerske")
    patient = PatientFactory(unit=unit)
    ctx.log(f"registering {others:,} other patients")
    other_patients = [PatientFactory(unit=ctx.rng.choice(units)) for _ in range(others)]
    outside_org = OrganisationFactory()
    outside_unit = UnitFactory(organisation=outside_org)
    outside_doctor = MembershipFactory(unit=outside_unit, role=Role.DOCTOR)
    outside = {
        "units": [outside_unit],
        "signers": [outside_doctor.user],
        "writers": [(outside_doctor.user, True)],
        "patient": PatientFactory(unit=outside_unit),
    }
    return {
        "organisation": organisation,
        "units": units,
        "doctor": doctor,
        "signers": [doctor.user, doctor2.user],
        # (user, may sign): doctors write most, the secretary and the nurse the rest.
        "writers": [(doctor.user, True)] * 5
        + [(doctor2.user, True)] * 1
        + [(secretary.user, False)] * 2
        + [(nurse.user, False)] * 2,
        "patient": patient,
        "others": other_patients,
        "outside": outside,
    }


def _text(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(2, 12)):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 18))]
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def _journal_seed(
    rng: random.Random,
    world: dict[str, Any],
    patient: Patient,
    count: int,
    counts: Counter[str],
) -> None:
    """`count` current entries over fifteen years, with corrections and signatures, in bulk."""
    now = datetime.now(tz=UTC)
    span = timedelta(days=365 * 15)
    units: list[Unit] = world["units"]
    types = [t for t, weight in _TYPES for _ in range(weight)]
    moments = sorted(now - span * rng.random() ** 1.5 for _ in range(count))
    contacts: list[Contact] = []
    for moment in moments[::3]:
        contacts.append(
            Contact(
                organisation_id=patient.organisation_id,
                unit=units[0] if rng.random() < 0.8 else rng.choice(units),
                patient=patient,
                kind=ContactKind.PHYSICAL if rng.random() < 0.7 else ContactKind.PHONE,
                reason="Konsultation",
                started_at=moment - timedelta(minutes=5),
                ended_at=moment + timedelta(minutes=20),
                responsible=world["signers"][0],
            )
        )
    Contact.objects.bulk_create(contacts, batch_size=BATCH)

    first: list[JournalEntry] = []
    for index, moment in enumerate(moments):
        author, can_sign = rng.choice(world["writers"])
        contact = contacts[index // 3] if index % 3 == 0 else None
        responsible = author if can_sign else rng.choice(world["signers"])
        first.append(
            JournalEntry(
                organisation_id=patient.organisation_id,
                unit=contact.unit if contact else units[0],
                patient=patient,
                contact=contact,
                entry_type=rng.choice(types),
                title="",
                text=_text(rng),
                author=author,
                responsible=responsible,
                recorded_at=moment + timedelta(minutes=rng.randint(1, 120)),
                occurred_at=moment,
                thread=uuid.uuid4(),
                version=1,
                needs_signature=not can_sign,
            )
        )
    JournalEntry.objects.bulk_create(first, batch_size=BATCH)

    current = {e.thread: e for e in first}
    for round_ in (2, 3):
        share = 0.08 if round_ == 2 else 0.125  # 8 %, then 1 % of all twice
        corrected = [
            e for e in current.values() if e.version == round_ - 1 and rng.random() < share
        ]
        newer = []
        for old in corrected:
            author, can_sign = rng.choice(world["writers"])
            newer.append(
                JournalEntry(
                    organisation_id=old.organisation_id,
                    unit=old.unit,
                    patient=patient,
                    contact=old.contact,
                    entry_type=old.entry_type,
                    text=old.text + " Rettet: " + _text(rng),
                    author=author,
                    responsible=old.responsible,
                    recorded_at=old.recorded_at + timedelta(days=rng.randint(0, 30)),
                    occurred_at=old.occurred_at,
                    thread=old.thread,
                    version=round_,
                    supersedes=old,
                    correction_reason="Forkert dosis" if rng.random() < 0.5 else "Stavefejl",
                    needs_signature=old.responsible_id != author.pk,
                )
            )
        JournalEntry.objects.bulk_create(newer, batch_size=BATCH)
        for entry in newer:
            current[entry.thread] = entry
        counts["corrected" if round_ == 2 else "twice"] += len(newer)

    # Doctors' own entries are signed at save; the rest by the responsible doctor, except the
    # newest 2 % (still waiting). Superseded unsigned versions stay unsigned.
    all_rows = first + [e for e in current.values() if e.version > 1]
    cutoff = now - span * 0.003
    signatures = []
    for entry in all_rows:
        is_current = current[entry.thread] is entry
        if not entry.needs_signature:
            signed_by, signed_at = entry.author, entry.recorded_at
        elif is_current and entry.recorded_at < cutoff:
            signed_by = entry.responsible
            signed_at = entry.recorded_at + timedelta(hours=rng.randint(1, 72))
        else:
            if is_current:
                counts["unsigned"] += 1
            continue
        signatures.append(
            JournalSignature(
                organisation_id=entry.organisation_id,
                entry=entry,
                signed_by=signed_by,
                signed_at=signed_at,
            )
        )
    JournalSignature.objects.bulk_create(signatures, batch_size=BATCH)
    counts["current"] += len(current)


# Running ---------------------------------------------------------------------------------------


def _runner(world: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    doctor: Membership = world["doctor"]
    actor = actor_from_membership(doctor)
    patient: Patient = world["patient"]
    _token, raw = api_token_create(user=doctor.user, organisation=doctor.organisation)
    api = Client(headers={"authorization": f"Bearer {raw}"})
    browser = Client()
    response = browser.post(
        "/login/", {"username": doctor.user.username, "password": TEST_PASSWORD}
    )
    if response.status_code != 302:
        raise RuntimeError(f"Login: {response.status_code} {response.content[:200]!r}")
    notes = []
    try:
        page_url = reverse("record_journal", args=[patient.public_id])
        page_label = "GET /patients/{id}/record/"
    except NoReverseMatch:
        page_url = ""
        page_label = "the record page is not there yet: GET /api/v1/patients/{id}/journal"
        notes.append("The record page (`record_journal`) did not exist; its row times the API.")
    api_list = f"/api/v1/patients/{patient.public_id}/journal"
    # A cursor 1,500 entries deep (or three quarters down a smaller journal).
    total = JournalEntry.objects.filter(patient=patient, superseded_by__isnull=True).count()
    depth = min(1500, total * 3 // 4)
    cursor = None
    for _ in range(depth // 50):
        cursor = journal_timeline(patient=patient, before=cursor).next_cursor
    corrected = (
        JournalEntry.objects.filter(patient=patient, version__gt=1).order_by("-occurred_at").first()
    )
    entry_url = f"/api/v1/journal/{corrected.public_id}" if corrected else ""

    def first_page(**kwargs: Any) -> Any:
        record = access_record(actor=actor, patient_public_id=patient.public_id, channel=Channel.UI)
        page = journal_timeline(patient=record, **kwargs)
        # What the page shows for each item, so nothing is left lazy.
        return [
            (i.author_name, i.unit_name, i.contact, i.signed_by_name, i.version_count)
            for i in page.items
        ]

    def run(step: Step) -> Any:
        if step.kind == "first":
            return first_page()
        if step.kind == "deep":
            return first_page(before=cursor)
        if step.kind == "filtered":
            return first_page(entry_types=[EntryType.LAB])
        if step.kind == "page":
            return browser.get(page_url) if page_url else api.get(api_list)
        if step.kind == "api_list":
            return api.get(api_list)
        return api.get(entry_url)

    return run, {"page_label": page_label, "notes": notes}


def _check(step: Step, outcome: Any) -> None:
    if isinstance(outcome, HttpResponse):
        if outcome.status_code != 200:
            raise RuntimeError(f"{step.kind}: {outcome.status_code} {outcome.content[:300]!r}")
        return
    if not outcome:
        raise RuntimeError(f"{step.kind}: an empty page")


def _query_counts(run: Any) -> dict[str, int]:
    labels = {
        "first": "first page in process",
        "page": "record page",
        "api_list": "API list",
        "api_entry": "API entry with versions",
    }
    counts = {}
    for kind, label in labels.items():
        with CaptureQueriesContext(connection) as queries:
            run(Step("http" if kind != "first" else "process", kind))
        counts[label] = len(queries)
    return counts


def _stats(samples: list[Sample], kind: str) -> Stats:
    return Stats.of([s.ms for s in samples if s.step.kind == kind])


def _measurements(samples: list[Sample], page_label: str) -> list[Measurement]:
    rows = [
        ("first", "First page in process (access check + log + timeline)", "p95"),
        ("deep", "A page 1,500 entries deep, in process", None),
        ("filtered", "First page filtered to lab results, in process", None),
        ("page", f"Record page through HTTP ({page_label})", "median"),
        ("api_list", "API: GET /api/v1/patients/{id}/journal", None),
        ("api_entry", "API: GET /api/v1/journal/{id} with its versions", None),
    ]
    found = []
    for kind, label, target_on in rows:
        stats = _stats(samples, kind)
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
