"""A clinic's year: the everyday operations at 100,000 patients and a year of appointments."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench.registry import BenchContext, Measurement, Outcome, benchmark
from bench.timing import Stats, time_calls
from klinik.audit.choices import Channel
from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.core.policy import Actor
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import MembershipFactory, OrganisationFactory, UnitFactory
from klinik.demo.generate import generate_patients
from klinik.demo.schedule import GP_TYPES, generate_schedule, resources_create, types_create
from klinik.patients.access import access_patient
from klinik.patients.choices import RelativeRelation
from klinik.patients.models import Patient
from klinik.patients.selectors import patient_search
from klinik.patients.services import relative_add
from klinik.records.choices import EntryType, WarningKind
from klinik.records.clinical.services import warning_add
from klinik.records.journal.services import EntryDraft, journal_entry_sign, journal_entry_write
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.booking import appointment_book, appointment_move
from klinik.scheduling.choices import AppointmentStatus, Attendance
from klinik.scheduling.models import Appointment, AppointmentType, Resource
from klinik.scheduling.reception.services import reception_set_status
from klinik.scheduling.schedule import appointments_between
from klinik.scheduling.selectors import local_day_bounds
from klinik.scheduling.slots import Slot, find_slots
from klinik.scheduling.transitions import appointment_cancel

PRACTITIONERS = 20
ROOMS = 20
PAGE_APPOINTMENTS = 50
# The clinic books some 240,000 appointments a year for 20 practitioners (~45 a working
# day each): the demo's mix (half-hour-heavy, ~33 a day) with five-minute phone consultations
# and more of the short kinds. Calibrated with the generator: 243,629 at the full scale.
YEAR_SHARES = {
    "Konsultation": 0.16,
    "Kort konsultation": 0.22,
    "Telefonkonsultation": 0.52,
    "Længere konsultation": 0.04,
    "Årskontrol": 0.06,
}
YEAR_TYPES = [
    replace(
        spec,
        share=YEAR_SHARES[spec.name],
        minutes=5 if spec.name == "Telefonkonsultation" else spec.minutes,
    )
    for spec in GP_TYPES
]

ABOUT = """\
One GP clinic (one unit) with 100,000 patients, 20 practitioners and 20 rooms, and a year of
appointments made by the demo generator (`klinik generate schedule`: 300 days back nearly full,
65 days ahead filling up; half of them five-minute phone consultations), some 240,000 in all.
The operations a secretary and a doctor do all day are timed one at a time after a warm-up,
**in process** (the service or selector the screen or endpoint calls, with its access-log
entry; for HTML pages the view itself, template included, without the middleware) and **through
HTTP** (Django's test client with the whole middleware stack: session or bearer-token
authentication, the access log, JSON or HTML; the figure is the server's time, no network).
Beside each figure: the SQL statements one call runs (`statements`). Bookings go to free times
found beforehand (untimed) spread over the practitioners and the next weeks; the patient page
is that of patients with 50 appointments, two relatives and two record warnings; the
practitioner's day is a working day in the past month. Targets: issue 12 (medians; p95 at most
twice the median). On PostgreSQL a booking writes its appointment, holds and history event in
one statement and reads the type's candidate resources in one (ADR 0037); a day's appointments
come with their holds in one statement."""


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    target_in_process: float | None
    target_http: float | None


ROWS = (
    Row("book", "Book an appointment (POST /api/v1/appointments)", 5, 10),
    Row("patient_page", "Open the patient page (50 appointments, relatives, warnings)", 10, 15),
    Row("patient_api", "GET /api/v1/patients/{id}", None, 4),
    Row("day_api", "One practitioner's day as data (GET /api/v1/appointments)", 3, 6),
    Row("day_html", "One practitioner's day in the calendar (HTML)", 15, 25),
    Row("cpr_search", "Search by CPR", 1, 3),
    Row("cancel", "Cancel an appointment", None, None),
    Row("move", "Move an appointment", None, None),
    Row("check_in", "Check in (the board's Arrived)", None, None),
    Row("journal_write", "Write a journal note", None, None),
    Row("sign", "Sign a journal note", None, None),
)


def statements(function: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured.captured_queries)


def measured(function: Callable[[Any], Any], cases: list[Any], warmup: int) -> tuple[Stats, int]:
    """Timing over the cases after `warmup`, and the statements of one more call."""
    stats = time_calls(function, cases[:-1], warmup=warmup)
    return stats, statements(lambda: function(cases[-1]))


@dataclass
class Clinic:
    actor: Actor  # a secretary
    doctor: Actor
    secretary_client: Client
    doctor_client: Client
    api: Client  # bearer token of the secretary
    doctor_api: Client
    unit: Any
    practitioners: list[Resource]
    consultation: AppointmentType
    patients: list[Patient]


@benchmark(name="year", title="A clinic's year: everyday operations", about=ABOUT)
def year(ctx: BenchContext) -> Outcome:
    calls = ctx.count(300, minimum=40)
    warmup = ctx.count(30, minimum=10)
    clinic, build = _clinic(ctx)
    ctx.log("timing")
    results: dict[str, dict[str, tuple[Stats, int]]] = {}
    now = timezone.now()

    # Booking: free times found first (untimed), each booked once.
    slots = _free_slots(ctx, clinic, now, 2 * (calls + warmup) + 2)
    patients = iter(clinic.patients * 4)
    in_process = slots[: calls + warmup + 1]
    over_http = slots[calls + warmup + 1 :]

    def book(slot: Slot) -> None:
        appointment_book(
            actor=clinic.actor,
            patient=next(patients),
            appointment_type=clinic.consultation,
            start=slot.start,
            practitioner=slot.practitioner,
            channel=Channel.API,
        )

    def book_http(slot: Slot) -> None:
        response = clinic.api.post(
            "/api/v1/appointments",
            {
                "patient": str(next(patients).public_id),
                "appointment_type": str(clinic.consultation.public_id),
                "start": slot.start.isoformat(),
                "practitioner": str(slot.practitioner.public_id),  # type: ignore[union-attr]
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.content[:300]

    results["book"] = {
        "in_process": measured(book, in_process, warmup),
        "http": measured(book_http, over_http, warmup),
    }

    # The patient page of patients with 50 appointments, relatives and warnings.
    page_patients = _page_patients(ctx, clinic, count=ctx.count(20, minimum=5))
    page_cases = [page_patients[i % len(page_patients)] for i in range(calls + warmup + 1)]
    factory = RequestFactory()

    def page_view(patient: Patient) -> None:
        from klinik.desk.views import patient_page_view

        request = factory.get(f"/patients/{patient.public_id}/")
        request.user = clinic.doctor.user
        request.actor = clinic.doctor  # type: ignore[attr-defined]
        request.session = {}  # type: ignore[assignment]
        request.htmx = False  # type: ignore[attr-defined]
        response = patient_page_view(request, str(patient.public_id))
        assert response.status_code == 200, response.status_code

    def page_http(patient: Patient) -> None:
        response = clinic.doctor_client.get(f"/patients/{patient.public_id}/")
        assert response.status_code == 200, response.status_code

    results["patient_page"] = {
        "in_process": measured(page_view, page_cases, warmup),
        "http": measured(page_http, page_cases, warmup),
    }

    readers = [clinic.patients[ctx.rng.randrange(len(clinic.patients))] for _ in page_cases]

    def patient_api(patient: Patient) -> None:
        response = clinic.api.get(f"/api/v1/patients/{patient.public_id}")
        assert response.status_code == 200, response.status_code

    def patient_read(patient: Patient) -> None:
        access_patient(actor=clinic.actor, public_id=patient.public_id, channel=Channel.API)

    results["patient_api"] = {
        "in_process": measured(patient_read, readers, warmup),
        "http": measured(patient_api, readers, warmup),
    }

    # One practitioner's day, a working day in the past month.
    days = _working_days(ctx, now, len(page_cases))
    day_cases = [(day, ctx.rng.choice(clinic.practitioners)) for day in days]

    def day_data(case: tuple[date, Resource]) -> None:
        day, practitioner = case
        appointments_between(
            actor=clinic.actor,
            first=day,
            unit_id=clinic.unit.pk,
            resource_ids=[practitioner.pk],
            channel=Channel.API,
        )

    def day_api(case: tuple[date, Resource]) -> None:
        day, practitioner = case
        response = clinic.api.get(
            "/api/v1/appointments",
            {"date": day.isoformat(), "practitioner": str(practitioner.public_id)},
        )
        assert response.status_code == 200, response.content[:300]
        assert response.json(), "an empty day"

    results["day_api"] = {
        "in_process": measured(day_data, day_cases, warmup),
        "http": measured(day_api, day_cases, warmup),
    }

    day_url = reverse("calendar_day")

    def day_params(case: tuple[date, Resource]) -> dict[str, Any]:
        day, practitioner = case
        return {
            "date": day.isoformat(),
            "unit": str(clinic.unit.public_id),
            "r": [str(practitioner.public_id)],
        }

    def day_view(case: tuple[date, Resource]) -> None:
        from klinik.scheduling.calendar.views import calendar_day_view

        request = factory.get(day_url, day_params(case))
        request.user = clinic.actor.user
        request.actor = clinic.actor  # type: ignore[attr-defined]
        request.session = clinic.secretary_client.session  # type: ignore[assignment]
        request.htmx = False  # type: ignore[attr-defined]
        response = calendar_day_view(request)
        assert response.status_code == 200, response.status_code

    def day_html(case: tuple[date, Resource]) -> None:
        response = clinic.secretary_client.get(day_url, day_params(case))
        assert response.status_code == 200, response.status_code

    results["day_html"] = {
        "in_process": measured(day_view, day_cases, warmup),
        "http": measured(day_html, day_cases, warmup),
    }

    cprs = [p.cpr for p in readers]

    def cpr_search(cpr: str) -> None:
        hits = patient_search(actor=clinic.actor, query=cpr, channel=Channel.API)
        assert len(hits) == 1, len(hits)

    def cpr_api(cpr: str) -> None:
        response = clinic.api.post(
            "/api/v1/patients/search", {"q": cpr}, content_type="application/json"
        )
        assert response.status_code == 200 and len(response.json()) == 1, response.content[:200]

    results["cpr_search"] = {
        "in_process": measured(cpr_search, cprs, warmup),
        "http": measured(cpr_api, cprs, warmup),
    }

    results.update(
        _other_operations(
            ctx,
            clinic,
            slots=_free_slots(ctx, clinic, now, 3 * (calls + warmup) + 3),
            calls=calls,
            warmup=warmup,
        )
    )
    return _outcome(results, build)


def _clinic(ctx: BenchContext) -> tuple[Clinic, dict[str, Any]]:
    organisation = OrganisationFactory()
    unit = UnitFactory(organisation=organisation)
    secretary = MembershipFactory(unit=unit, role=Role.SECRETARY)
    doctor = MembershipFactory(unit=unit, role=Role.DOCTOR)
    patients_n = ctx.count(100_000, minimum=10_000)
    ctx.log(f"generating {patients_n:,} patients")
    generate_patients(organisation=organisation, count=patients_n, seed=3, units=[unit])
    practitioners, rooms = resources_create(
        unit=unit,
        practitioners=[(f"Behandler {i + 1:02d}", None) for i in range(PRACTITIONERS)],
        rooms=[f"Rum {i + 1:02d}" for i in range(ROOMS)],
    )
    types = types_create(unit=unit, specs=YEAR_TYPES)
    ctx.log("generating a year of appointments")
    started = time.perf_counter()
    booked = generate_schedule(
        unit=unit,
        practitioners=practitioners,
        rooms=rooms,
        types=types,
        specs=YEAR_TYPES,
        days_back=ctx.count(300, minimum=30),
        days_ahead=65,
        seed=4,
    )
    generate_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if ctx.database == "sqlite" else "VACUUM ANALYZE")
    ids = list(Patient.objects.filter(organisation=organisation).values_list("pk", flat=True))
    chosen = ctx.rng.sample(ids, min(len(ids), 5_000))
    patients = list(Patient.objects.filter(pk__in=chosen))
    ctx.rng.shuffle(patients)

    def client_for(membership: Any) -> Client:
        client = Client()
        client.force_login(membership.user)
        return client

    def api_for(membership: Any) -> Client:
        _token, raw = api_token_create(user=membership.user, organisation=organisation)
        return Client(headers={"authorization": f"Bearer {raw}"})

    clinic = Clinic(
        actor=actor_from_membership(secretary),
        doctor=actor_from_membership(doctor),
        secretary_client=client_for(secretary),
        doctor_client=client_for(doctor),
        api=api_for(secretary),
        doctor_api=api_for(doctor),
        unit=unit,
        practitioners=practitioners,
        consultation=next(t for t in types if t.name == "Konsultation"),
        patients=patients,
    )
    return clinic, {
        "patients": Patient.objects.filter(organisation=organisation).count(),
        "appointments": booked,
        "practitioners / rooms": f"{PRACTITIONERS} / {ROOMS}",
        "generating appointments (s)": round(generate_seconds, 1),
    }


def _free_slots(ctx: BenchContext, clinic: Clinic, now: datetime, count: int) -> list[Slot]:
    """`count` free times that do not overlap, spread over practitioners and the next weeks."""
    hold = timedelta(
        minutes=clinic.consultation.duration_minutes + clinic.consultation.buffer_minutes
    )
    taken: dict[int, list[datetime]] = {}
    found: list[Slot] = []
    attempts = 0
    while len(found) < count and attempts < count * 20:
        attempts += 1
        practitioner = ctx.rng.choice(clinic.practitioners)
        start = now + timedelta(days=ctx.rng.randrange(14, 150), hours=ctx.rng.randrange(24))
        for slot in find_slots(
            appointment_type=clinic.consultation,
            start=start,
            end=start + timedelta(days=30),
            practitioner=practitioner,
            limit=20,
        ):
            starts = taken.setdefault(practitioner.pk, [])
            rooms = {r.pk for r in slot.resources}
            clash = any(abs(slot.start - s) < hold for s in starts) or any(
                abs(slot.start - other.start) < hold and rooms & {r.pk for r in other.resources}
                for other in found
            )
            if not clash:
                starts.append(slot.start)
                found.append(slot)
    if len(found) < count:
        raise RuntimeError(f"only {len(found)} free times found, {count} needed")
    return found[:count]


def _page_patients(ctx: BenchContext, clinic: Clinic, *, count: int) -> list[Patient]:
    """Patients with 50 appointments (moved onto them from others), two relatives and two
    record warnings."""
    chosen = clinic.patients[:count]
    for patient in chosen:
        ids = list(
            Appointment.objects.filter(unit=clinic.unit)
            .exclude(patient=patient)
            .order_by("?")
            .values_list("pk", flat=True)[:PAGE_APPOINTMENTS]
        )
        Appointment.objects.filter(pk__in=ids).update(patient=patient)
        for name, relation in (
            ("Eva Hansen", RelativeRelation.SPOUSE),
            ("Ole Hansen", RelativeRelation.CHILD),
        ):
            relative_add(
                actor=clinic.actor, patient=patient, name=name, relation=relation, phone="20304050"
            )
        warning_add(
            actor=clinic.doctor, patient=patient, kind=WarningKind.ALLERGY, text="Penicillin"
        )
        warning_add(actor=clinic.doctor, patient=patient, kind=WarningKind.CAVE, text="Marevan")
    return chosen


def _working_days(ctx: BenchContext, now: datetime, count: int) -> list[date]:
    today = timezone.localtime(now, LOCAL).date()
    days = []
    while len(days) < count:
        day = today - timedelta(days=ctx.rng.randrange(1, 30))
        if day.weekday() < 5:
            days.append(day)
    return days


def _other_operations(
    ctx: BenchContext, clinic: Clinic, *, slots: list[Slot], calls: int, warmup: int
) -> dict[str, dict[str, tuple[Stats, int]]]:
    """Cancel, move, check-in (in process), journal write and sign (in process and HTTP)."""
    n = calls + warmup + 1
    booked = [
        appointment_book(
            actor=clinic.actor,
            patient=clinic.patients[i % len(clinic.patients)],
            appointment_type=clinic.consultation,
            start=slot.start,
            practitioner=slot.practitioner,
        )
        for i, slot in enumerate(slots[:n])
    ]
    # Moves go to the second batch of free times, cancels to the moved appointments.
    moves = list(zip(booked, slots[n : 2 * n], strict=True))

    def move(case: tuple[Appointment, Slot]) -> None:
        appointment, slot = case
        appointment_move(
            actor=clinic.actor,
            appointment=appointment,
            start=slot.start,
            practitioner=slot.practitioner,
        )

    results: dict[str, dict[str, tuple[Stats, int]]] = {
        "move": {"in_process": measured(move, moves, warmup)}
    }

    def cancel(appointment: Appointment) -> None:
        appointment.refresh_from_db()
        appointment_cancel(actor=clinic.actor, appointment=appointment, reason="bench")

    results["cancel"] = {"in_process": measured(cancel, booked, warmup)}

    today = timezone.localdate()
    todays = list(
        Appointment.objects.filter(
            unit=clinic.unit,
            status=AppointmentStatus.BOOKED,
            start__gte=local_day_bounds(today)[0],
            start__lt=local_day_bounds(today, 7)[1],
            appointment_type__attendance=Attendance.IN_PERSON,
        ).order_by("start")[:n]
    )

    def check_in(appointment: Appointment) -> None:
        reception_set_status(
            actor=clinic.actor,
            unit=clinic.unit,
            appointment_public_id=appointment.public_id,
            status=AppointmentStatus.ARRIVED,
        )

    if len(todays) == n:
        results["check_in"] = {"in_process": measured(check_in, todays, warmup)}

    writers = clinic.patients[:n]
    entries: list[Any] = []

    def write(patient: Patient) -> None:
        entries.append(
            journal_entry_write(
                actor=clinic.doctor,
                patient=patient,
                draft=EntryDraft(
                    entry_type=EntryType.NOTE, text="Kontrol af blodtryk. Velbefindende."
                ),
            )
        )

    def write_http(patient: Patient) -> None:
        response = clinic.doctor_api.post(
            f"/api/v1/patients/{patient.public_id}/journal",
            {"type": EntryType.NOTE, "text": "Telefonkonsultation, recept fornyet."},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content[:300]

    results["journal_write"] = {
        "in_process": measured(write, writers, warmup),
        "http": measured(write_http, writers, warmup),
    }

    # A nurse's notes, approved by the doctor.
    nurse = actor_from_membership(MembershipFactory(unit=clinic.unit, role=Role.NURSE))
    unsigned = [
        journal_entry_write(
            actor=nurse,
            patient=patient,
            draft=EntryDraft(entry_type=EntryType.NOTE, text="Sår skiftet."),
        )
        for patient in writers
    ]

    def sign(entry: Any) -> None:
        journal_entry_sign(actor=clinic.doctor, entry=entry)

    results["sign"] = {"in_process": measured(sign, unsigned, warmup)}
    return results


def _outcome(results: dict[str, dict[str, tuple[Stats, int]]], build: dict[str, Any]) -> Outcome:
    measurements = []
    for row in ROWS:
        for way, target, label in (
            ("in_process", row.target_in_process, "in process"),
            ("http", row.target_http, "HTTP"),
        ):
            if way not in results.get(row.key, {}):
                continue
            stats, count = results[row.key][way]
            measurements += [
                Measurement(
                    f"{row.key}_{way}_median",
                    f"{row.label}, {label}, median",
                    stats.median,
                    "ms",
                    target,
                ),
                Measurement(
                    f"{row.key}_{way}_statements",
                    f"{row.label}, {label}, SQL statements",
                    count,
                    "statements",
                ),
                Measurement(
                    f"{row.key}_{way}_p95",
                    f"{row.label}, {label}, p95",
                    stats.p95,
                    "ms",
                    2 * stats.median if target is not None else None,
                ),
            ]
    return Outcome(measurements=measurements, parameters=build)
