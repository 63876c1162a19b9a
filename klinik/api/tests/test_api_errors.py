"""Every API error is JSON with `detail` and `code`, and input out of range (year 1, year
9999, 1e308) is a 422 naming the field, never a 500 (found by fuzzing the OpenAPI schema)."""

from __future__ import annotations

import pytest

from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.records.models import Measurement
from klinik.scheduling.models import Appointment
from klinik.scheduling.tests.factories import at, clinic_create, next_workday


@pytest.fixture
def api(world, client):
    clinic = clinic_create(world.unit_a)
    membership = world.member(Role.DOCTOR)
    _, token = api_token_create(user=membership.user, organisation=world.org_a)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    class Api:
        def get(self, path: str, **params: object):
            return client.get(f"/api/v1{path}", params, **auth)

        def post(self, path: str, data: object, content_type: str = "application/json"):
            return client.post(f"/api/v1{path}", data, content_type=content_type, **auth)

    api = Api()
    api.clinic, api.world = clinic, world
    return api


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]
    return body


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_day_list_far_outside_time_is_a_422(api, day):
    body = _error(api.get("/appointments", date=day), 422)
    assert body["field"] == "date"


@pytest.mark.parametrize("start", ["0001-01-01T09:00:00", "9999-12-31T23:59:00"])
def test_booking_far_outside_time_is_a_422_and_books_nothing(api, start):
    payload = {
        "patient": str(api.world.patient_a.public_id),
        "appointment_type": str(api.clinic.phone.public_id),
        "start": start,
    }
    body = _error(api.post("/appointments", payload), 422)
    assert body["field"] == "start"
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("start", ["0001-01-01", "9999-12-30"])
def test_slot_search_far_outside_time_is_a_422(api, start):
    kind = str(api.clinic.phone.public_id)
    body = _error(api.get("/slots", appointment_type=kind, start=start, end=start), 422)
    assert body["detail"].startswith("start:")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "weight", "value": 1e308}, "value"),
        ({"kind": "blood_pressure", "value": 120, "value2": 1e308}, "value2"),
        ({"kind": "weight", "value": 80, "measured_at": "0001-01-01T00:00:00"}, "measured_at"),
        ({"kind": "weight", "value": 80, "measured_at": "9999-12-31T23:59:59"}, "measured_at"),
    ],
)
def test_measurements_out_of_range_are_422_naming_the_field(api, payload, field):
    path = f"/patients/{api.world.patient_a.public_id}/measurements"
    body = _error(api.post(path, payload), 422)
    assert body["field"].split(".")[0] == field
    assert not Measurement.objects.exists()


def test_a_time_without_a_zone_is_local(api):
    day = next_workday(days_ahead=-3)
    path = f"/patients/{api.world.patient_a.public_id}/measurements"
    response = api.post(
        path, {"kind": "weight", "value": 80, "measured_at": f"{day.isoformat()}T09:30:00"}
    )
    assert response.status_code == 201, response.content
    assert Measurement.objects.get().measured_at == at(day, 9, 30)


def test_schema_refusals_name_the_field_in_the_detail(api):
    body = _error(api.get("/terminology/search", q="a", limit="1e308"), 422)
    assert (body["code"], body["field"]) == ("invalid", "limit")
    assert body["detail"].startswith("limit: ")


def test_no_such_route_a_wrong_method_and_an_unreadable_body_are_json(api, client):
    missing_route = api.get("/no-such-route")
    assert _error(missing_route, 404)["code"] == "not_found"
    assert "no-store" in missing_route["Cache-Control"]
    assert _error(client.delete("/api/v1/patients"), 405)["code"] == "method_not_allowed"
    path = f"/patients/{api.world.patient_a.public_id}/documents"
    body = _error(api.post(path, b"x", content_type="multipart/form-data"), 400)
    assert body["code"] == "bad_request"


def test_a_missing_patient_is_a_json_404(api):
    missing = "/patients/00000000-0000-4000-8000-000000000000"
    assert _error(api.get(missing), 404)["code"] == "not_found"
