"""Isolation regression tests for the API routes that had none (issue 10): appointment types,
slots, the day list, cancel, the three dictation routes, POST measurements, vaccinations and
warnings, break-glass and search.

A doctor of organisation B (whose role may do all of it at home) asks for organisation A's
things. Each answer is exactly the answer for a missing object, nothing of A's is in it, and
nothing of A's changed or was logged as read.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from klinik.api.tests.helpers import MISSING, ApiClient, api_world_create, same_answer
from klinik.audit.models import AccessLogEntry
from klinik.patients.models import Patient, PatientAccessGrant
from klinik.records.models import Dictation, Measurement, PatientWarning, Vaccination
from klinik.records.tests.document_files import data_dir, stored_files
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.models import AppointmentEvent

__all__ = ["data_dir"]  # the fixture: a private DATA_DIR per test


@pytest.fixture
def aw(world, data_dir):
    return api_world_create(world)


@pytest.fixture
def b(aw, client):
    """The API as organisation B's doctor."""
    return ApiClient(client, aw.doctor_b)


def _leaks(response, aw) -> list[str]:
    """Anything of A's patient or A's objects in a response body."""
    body = response.content.decode()
    patient = aw.rw.patient
    markers = [
        patient.given_name,
        patient.family_name,
        patient.cpr,
        str(patient.public_id),
        str(aw.appointment.public_id),
        str(aw.dictation.public_id),
        "Diktat om Alma",
    ]
    return [m for m in markers if m and m in body]


def _read_logged(aw) -> int:
    return AccessLogEntry.objects.filter(
        patient_id=aw.rw.patient.public_id, user=aw.doctor_b.user
    ).count()


# Scheduling --------------------------------------------------------------------------------------


def test_appointment_types_lists_only_the_own_organisations(aw, b):
    response = b.get("/appointment-types")
    assert response.status_code == 200
    ids = {t["id"] for t in response.json()}
    assert ids == {
        str(t.public_id) for t in (aw.clinic_b.consultation, aw.clinic_b.phone, aw.clinic_b.group)
    }
    assert not ids & {str(aw.clinic.consultation.public_id), str(aw.clinic.phone.public_id)}


def test_slots_of_another_organisations_type_or_practitioner_are_404(aw, b):
    day = aw.day.isoformat()
    foreign = b.get(
        "/slots", appointment_type=str(aw.clinic.consultation.public_id), start=day, end=day
    )
    missing = b.get("/slots", appointment_type=MISSING, start=day, end=day)
    same_answer(foreign, missing)
    own_type = str(aw.clinic_b.consultation.public_id)
    foreign = b.get(
        "/slots",
        appointment_type=own_type,
        start=day,
        end=day,
        practitioner=str(aw.clinic.doctors[0].public_id),
    )
    missing = b.get("/slots", appointment_type=own_type, start=day, end=day, practitioner=MISSING)
    same_answer(foreign, missing)
    assert not _leaks(foreign, aw)


def test_the_day_list_never_shows_another_organisations_appointments(aw, b):
    day = aw.day.isoformat()
    foreign = b.get("/appointments", date=day, unit=str(aw.rw.unit.public_id))
    missing = b.get("/appointments", date=day, unit=MISSING)
    same_answer(foreign, missing)
    own = b.get("/appointments", date=day)
    assert own.status_code == 200
    assert own.json() == []
    assert not _leaks(own, aw)
    assert _read_logged(aw) == 0


def test_cancelling_another_organisations_appointment_is_404_and_changes_nothing(aw, b):
    events = AppointmentEvent.objects.filter(appointment=aw.appointment).count()
    foreign = b.post(f"/appointments/{aw.appointment.public_id}/cancel", {"reason": "Afbud"})
    missing = b.post(f"/appointments/{MISSING}/cancel", {"reason": "Afbud"})
    same_answer(foreign, missing)
    assert not _leaks(foreign, aw)
    aw.appointment.refresh_from_db()
    assert aw.appointment.status == AppointmentStatus.BOOKED
    assert AppointmentEvent.objects.filter(appointment=aw.appointment).count() == events
    assert _read_logged(aw) == 0


# Dictations --------------------------------------------------------------------------------------


def test_the_dictation_queue_never_shows_another_organisations_dictations(aw, b):
    for unit in (None, "all"):
        own = b.get("/dictations", **({"unit": unit} if unit else {}))
        assert own.status_code == 200
        assert own.json() == []
        assert not _leaks(own, aw)
    foreign = b.get("/dictations", unit=str(aw.rw.unit.public_id))
    missing = b.get("/dictations", unit=MISSING)
    same_answer(foreign, missing)


def test_reading_another_organisations_dictation_is_404(aw, b):
    foreign = b.get(f"/dictations/{aw.dictation.public_id}")
    missing = b.get(f"/dictations/{MISSING}")
    same_answer(foreign, missing)
    assert not _leaks(foreign, aw)
    assert _read_logged(aw) == 0


def test_dictating_for_another_organisations_patient_is_404_and_stores_nothing(aw, b, data_dir):
    files = stored_files(data_dir)
    foreign = b.post_form(f"/patients/{aw.rw.patient.public_id}/dictations", {"text": "x"})
    missing = b.post_form(f"/patients/{MISSING}/dictations", {"text": "x"})
    same_answer(foreign, missing)
    assert not _leaks(foreign, aw)
    assert list(Dictation.objects.values_list("pk", flat=True)) == [aw.dictation.pk]
    assert stored_files(data_dir) == files
    assert _read_logged(aw) == 0


# Record writes -----------------------------------------------------------------------------------

WRITES = {
    "measurements": (Measurement, {"kind": "weight", "value": 80}),
    "vaccinations": (
        Vaccination,
        {
            "vaccine": "Influvac Tetra",
            "batch_number": "AB1234",
            "dose": "0,5 ml",
            "site": "left_deltoid",
            "given_on": "2026-01-05",
        },
    ),
    "warnings": (PatientWarning, {"kind": "cave", "text": "jod"}),
}


@pytest.mark.parametrize("what", sorted(WRITES))
def test_writing_to_another_organisations_record_is_404_and_writes_nothing(aw, b, what):
    model, payload = WRITES[what]
    if what == "vaccinations":
        payload = payload | {"given_on": timezone.localdate().isoformat()}
    foreign = b.post(f"/patients/{aw.rw.patient.public_id}/{what}", payload)
    missing = b.post(f"/patients/{MISSING}/{what}", payload)
    same_answer(foreign, missing)
    assert not _leaks(foreign, aw)
    assert not model.objects.exists()
    assert _read_logged(aw) == 0
    # The same request for B's own patient is accepted: the refusal was the tenancy.
    assert b.post(f"/patients/{aw.rw.other_patient.public_id}/{what}", payload).status_code == 201


# Break-glass and search --------------------------------------------------------------------------


def test_breaking_the_glass_for_another_organisations_patient_is_404(aw, b):
    foreign = b.post(f"/patients/{aw.rw.patient.public_id}/break-glass", {"reason": "Akut"})
    missing = b.post(f"/patients/{MISSING}/break-glass", {"reason": "Akut"})
    same_answer(foreign, missing)
    assert not _leaks(foreign, aw)
    assert not PatientAccessGrant.objects.filter(patient=aw.rw.patient).exists()
    assert not AccessLogEntry.objects.filter(
        patient_id=aw.rw.patient.public_id, is_break_glass=True
    ).exists()
    # And no access afterwards either.
    assert b.get(f"/patients/{aw.rw.patient.public_id}").status_code == 404


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("query", ["family_name", "cpr", "cpr_dash", "phone", "both_names"])
def test_search_never_finds_another_organisations_patient(aw, b, query, method):
    patient = aw.rw.patient
    patient.phone = "22334455"
    patient.save(update_fields=["phone"])
    terms = {
        "family_name": patient.family_name,
        "cpr": patient.cpr,
        "cpr_dash": f"{patient.cpr[:6]}-{patient.cpr[6:]}",
        "phone": "22334455",
        "both_names": f"{patient.given_name} {patient.family_name}",
    }
    if method == "GET":
        foreign = b.get("/patients", q=terms[query])
    else:
        foreign = b.post("/patients/search", {"q": terms[query]})
    assert foreign.status_code == 200
    found = {hit["id"] for hit in foreign.json()}
    # B's own patients may share a name with A's (synthetic names repeat); A's never show.
    assert str(patient.public_id) not in found
    assert Patient.objects.filter(public_id__in=found, organisation=aw.rw.world.org_b).count() == (
        len(found)
    )
    assert patient.cpr not in foreign.content.decode()
    assert _read_logged(aw) == 0
