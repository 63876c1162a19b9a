"""REST: GET/POST /api/v1/patients/{id}/diagnoses, /measurements, /vaccinations, /warnings."""

from __future__ import annotations

import pytest
from django.utils import timezone

from klinik.audit.models import AccessLogEntry
from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.records.clinical import services
from klinik.records.models import ContactDiagnosis, Measurement, PatientWarning, Vaccination
from klinik.records.tests.clinical_fixtures import MAIN_CODE, SECOND_CODE, contact_for


class Api:
    def __init__(self, client, membership, organisation):
        _, token = api_token_create(user=membership.user, organisation=organisation)
        self.client = client
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def post(self, path: str, data: dict):
        return self.client.post(
            f"/api/v1{path}", data, content_type="application/json", **self.auth
        )

    def get(self, path: str, **params: str):
        return self.client.get(f"/api/v1{path}", params, **self.auth)


@pytest.fixture
def api(record_world, client):
    return Api(client, record_world.secretary, record_world.organisation)


@pytest.fixture
def contact(record_world):
    return contact_for(record_world.doctor_actor, record_world.patient)


def _path(patient, what):
    return f"/patients/{patient.public_id}/{what}"


# Diagnoses ---------------------------------------------------------------------------------------


def test_diagnosis_created_and_listed(api, record_world, contact):
    response = api.post(
        _path(record_world.patient, "diagnoses"),
        {"contact": str(contact.public_id), "code": "J06.9", "kind": "main"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == MAIN_CODE
    assert body["text"] == "Akut øvre luftvejsinfektion UNS"
    assert body["contact"] == str(contact.public_id)
    listed = api.get(_path(record_world.patient, "diagnoses")).json()
    assert [d["code"] for d in listed] == [MAIN_CODE]


def test_unknown_code_is_422_naming_the_field(api, record_world, contact):
    response = api.post(
        _path(record_world.patient, "diagnoses"),
        {"contact": str(contact.public_id), "code": "DX999", "kind": "main"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "code"
    assert body["code"] == "code_unknown"
    assert body["detail"].startswith("code:")
    assert "DX999" in body["detail"]
    assert not ContactDiagnosis.objects.exists()


def test_second_main_diagnosis_is_409_until_replace_main(api, record_world, contact):
    path = _path(record_world.patient, "diagnoses")
    api.post(path, {"contact": str(contact.public_id), "code": MAIN_CODE, "kind": "main"})
    response = api.post(
        path, {"contact": str(contact.public_id), "code": SECOND_CODE, "kind": "main"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "main_exists"
    response = api.post(
        path,
        {
            "contact": str(contact.public_id),
            "code": SECOND_CODE,
            "kind": "main",
            "replace_main": True,
        },
    )
    assert response.status_code == 201
    kinds = {d["code"]: d["kind"] for d in api.get(path).json()}
    assert kinds == {SECOND_CODE: "main", MAIN_CODE: "secondary"}


def test_contact_of_another_patient_is_422(api, record_world):
    rw = record_world
    other = contact_for(rw.doctor_actor, rw.world.patient_a)
    from klinik.patients.tests.factories import PatientFactory

    someone = PatientFactory(unit=rw.unit)
    response = api.post(
        _path(someone, "diagnoses"),
        {"contact": str(other.public_id), "code": MAIN_CODE, "kind": "main"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "contact"


def test_contact_of_another_organisation_is_404(api, record_world):
    rw = record_world
    foreign = contact_for(rw.other_doctor_actor, rw.other_patient)
    response = api.post(
        _path(rw.other_patient, "diagnoses"),
        {"contact": str(foreign.public_id), "code": MAIN_CODE, "kind": "main"},
    )
    assert response.status_code == 404
    assert not ContactDiagnosis.objects.exists()


# Measurements ------------------------------------------------------------------------------------


def test_measurement_created_and_listed_with_bmi(api, record_world):
    path = _path(record_world.patient, "measurements")
    assert api.post(path, {"kind": "height", "value": 180}).status_code == 201
    response = api.post(path, {"kind": "weight", "value": "81,0"})
    assert response.status_code == 201, response.content
    assert response.json()["unit"] == "kg"
    listed = api.get(path).json()
    weight = next(m for m in listed if m["kind"] == "weight")
    assert float(weight["bmi"]) == 25.0
    assert weight["entered_in_error"] is False


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "weight", "value": 900}, "value"),
        ({"kind": "blood_pressure", "value": 80, "value2": 120}, "value2"),
        ({"kind": "blood_pressure", "value": 120}, "value2"),
        ({"kind": "temperature", "value": "varm"}, "value"),
        ({"kind": "iq", "value": 100}, "kind"),
    ],
)
def test_implausible_measurement_is_422_naming_the_field(api, record_world, data, field):
    response = api.post(_path(record_world.patient, "measurements"), data)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert response.json()["detail"].startswith(f"{field}:")
    assert not Measurement.objects.exists()


def test_measurement_in_the_future_is_422(api, record_world):
    future = (timezone.now() + timezone.timedelta(days=1)).isoformat()
    response = api.post(
        _path(record_world.patient, "measurements"),
        {"kind": "pulse", "value": 70, "measured_at": future},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "measured_at"


# Vaccinations ------------------------------------------------------------------------------------


def _vaccination(rw, **overrides):
    data = {
        "vaccine": "Influvac Tetra",
        "atc_code": "J07BB02",
        "batch_number": "AB1234",
        "dose": "0,5 ml",
        "site": "left_deltoid",
        "given_on": timezone.localdate().isoformat(),
        "given_by": str(rw.nurse.user.public_id),
    }
    data.update(overrides)
    return data


def test_vaccination_created_and_listed(api, record_world):
    path = _path(record_world.patient, "vaccinations")
    response = api.post(path, _vaccination(record_world))
    assert response.status_code == 201, response.content
    assert response.json()["reported_at"] is None
    listed = api.get(path).json()
    assert listed[0]["batch_number"] == "AB1234"
    assert listed[0]["given_by"] == record_world.nurse.user.get_full_name()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"batch_number": ""}, "batch_number"),
        ({"given_on": "2999-01-01"}, "given_on"),
        ({"site": "nose tip"}, "site"),
    ],
)
def test_bad_vaccination_is_422_naming_the_field(api, record_world, overrides, field):
    response = api.post(
        _path(record_world.patient, "vaccinations"), _vaccination(record_world, **overrides)
    )
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not Vaccination.objects.exists()


def test_vaccinator_from_another_organisation_is_422(api, record_world):
    response = api.post(
        _path(record_world.patient, "vaccinations"),
        _vaccination(record_world, given_by=str(record_world.other_doctor.user.public_id)),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "given_by"


# Warnings ----------------------------------------------------------------------------------------


def test_warning_created_and_listed(api, record_world):
    path = _path(record_world.patient, "warnings")
    response = api.post(path, {"kind": "allergy", "text": "penicillin", "code": "J01CE02"})
    assert response.status_code == 201, response.content
    assert response.json()["is_active"] is True
    assert [w["text"] for w in api.get(path).json()] == ["penicillin"]


def test_bad_warning_is_422(api, record_world):
    response = api.post(_path(record_world.patient, "warnings"), {"kind": "cave", "text": ""})
    assert response.status_code == 422
    assert response.json()["field"] == "text"
    assert not PatientWarning.objects.exists()


# Access ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("what", ["diagnoses", "measurements", "vaccinations", "warnings"])
def test_another_organisations_patient_is_404(api, record_world, what):
    services.warning_add(
        actor=record_world.other_doctor_actor,
        patient=record_world.other_patient,
        kind="cave",
        text="jod",
    )
    response = api.get(_path(record_world.other_patient, what))
    assert response.status_code == 404
    assert "jod" not in response.content.decode()


@pytest.mark.parametrize("what", ["diagnoses", "measurements", "vaccinations", "warnings"])
def test_reads_are_access_logged(api, record_world, what):
    before = AccessLogEntry.objects.filter(patient_id=record_world.patient.public_id).count()
    assert api.get(_path(record_world.patient, what)).status_code == 200
    entry = AccessLogEntry.objects.filter(patient_id=record_world.patient.public_id).latest("seq")
    assert entry.channel == "api"
    assert (
        AccessLogEntry.objects.filter(patient_id=record_world.patient.public_id).count()
        == before + 1
    )


def test_role_without_record_access_is_403(record_world, client):
    reception = record_world.world.member(Role.HEALTH_SERVICE_SECRETARY)
    api = Api(client, reception, record_world.organisation)
    assert api.get(_path(record_world.patient, "warnings")).status_code == 403
    response = api.post(_path(record_world.patient, "warnings"), {"kind": "cave", "text": "x"})
    assert response.status_code == 403
    assert not PatientWarning.objects.exists()
