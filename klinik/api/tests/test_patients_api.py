"""REST: POST/GET/PATCH /api/v1/patients with the contract's status codes and messages."""

import pytest

from klinik.audit.models import AccessLogEntry
from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.patients.models import Patient, PatientChange


@pytest.fixture
def api(world, client):
    membership = world.member(Role.SECRETARY)
    _, token = api_token_create(user=membership.user, organisation=world.org_a)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    class Api:
        def post(self, path: str, data: dict):
            return client.post(f"/api/v1{path}", data, content_type="application/json", **auth)

        def patch(self, path: str, data: dict):
            return client.patch(f"/api/v1{path}", data, content_type="application/json", **auth)

        def get(self, path: str, **params: str):
            return client.get(f"/api/v1{path}", params, **auth)

    return Api()


NEW = {"cpr": "070761-4285", "given_name": "Mette", "family_name": "Jensen"}


def test_create_returns_201_with_derived_fields(api):
    response = api.post("/patients", NEW)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["cpr"] == "0707614285"
    assert body["birth_date"] == "1961-07-07"
    assert body["sex"] == "male"
    assert Patient.objects.filter(public_id=body["id"]).exists()


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"cpr": "3102001234"}, "cpr"),
        ({"cpr": "12345"}, "cpr"),
        ({"cpr": "abcdefghij"}, "cpr"),
        ({"birth_date": "2099-01-01"}, "birth_date"),
        ({"phone": "12"}, "phone"),
        ({"email": "nej"}, "email"),
        ({"given_name": ""}, "given_name"),
    ],
)
def test_invalid_input_is_422_naming_the_field_and_nothing_is_saved(api, override, field):
    before = Patient.objects.count()
    response = api.post("/patients", NEW | override)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{field}:")
    assert Patient.objects.count() == before


def test_missing_field_is_422(api):
    response = api.post("/patients", {"cpr": "0707614285"})
    assert response.status_code == 422
    assert "given_name" in response.content.decode()


def test_duplicate_cpr_is_409(api):
    first = api.post("/patients", NEW).json()
    response = api.post("/patients", NEW | {"given_name": "Anden"})
    assert response.status_code == 409
    assert response.json()["field"] == "cpr"
    assert response.json()["existing"] == first["id"]


def test_similar_patient_is_created_with_a_warning(api):
    api.post("/patients", NEW)
    response = api.post("/patients", NEW | {"cpr": "0707614269", "given_name": "Mette Marie"})
    assert response.status_code == 201
    assert any("similar" in w for w in response.json()["warnings"])


def test_search_get_and_patch(api):
    created = api.post("/patients", NEW | {"phone": "22334455"}).json()
    for query in ("0707614285", "070761-4285", "jens met", "22334455"):
        hits = api.get("/patients", q=query).json()
        assert [h["id"] for h in hits] == [created["id"]], query
    assert api.get("/patients", q="").json() == []
    got = api.get(f"/patients/{created['id']}")
    assert got.status_code == 200
    assert got.json()["phone"] == "22334455"
    patched = api.patch(f"/patients/{created['id']}", {"phone": "87654321", "reason": "ny"})
    assert patched.status_code == 200
    assert patched.json()["phone"] == "87654321"
    assert PatientChange.objects.get(field="phone").reason == "ny"


def test_search_in_the_body_keeps_the_cpr_out_of_the_url(api):
    created = api.post("/patients", NEW).json()
    for query in ("0707614285", "070761-4285", "jens met"):
        hits = api.post("/patients/search", {"q": query}).json()
        assert [h["id"] for h in hits] == [created["id"]], query
    assert api.post("/patients/search", {"q": "jens", "limit": 0}).status_code == 422
    missing = api.post("/patients/search", {})
    assert missing.status_code == 422
    assert "q" in missing.content.decode()


def test_patch_validation(api):
    created = api.post("/patients", NEW).json()
    assert api.patch(f"/patients/{created['id']}", {"phone": "12"}).status_code == 422
    assert api.patch(f"/patients/{created['id']}", {"cpr": "0101901234"}).status_code == 422
    assert Patient.objects.get(public_id=created["id"]).phone == ""


def test_protected_address_is_not_handed_out(api):
    created = api.post(
        "/patients", NEW | {"address_line": "Hemmelig Vej 1", "is_address_protected": True}
    ).json()
    assert created["address_line"] is None
    assert api.get(f"/patients/{created['id']}").json()["address_line"] is None


def test_other_organisations_patient_is_404_and_unchanged(api, world):
    foreign = world.patient_b
    assert api.get(f"/patients/{foreign.public_id}").status_code == 404
    assert api.patch(f"/patients/{foreign.public_id}", {"phone": "22334455"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.phone == ""
    assert not AccessLogEntry.objects.filter(patient_id=foreign.public_id).exists()


def test_search_terms_do_not_reach_the_access_log(api):
    api.post("/patients", NEW)
    api.get("/patients", q="mette jensen")
    assert not AccessLogEntry.objects.filter(reason__icontains="mette").exists()
