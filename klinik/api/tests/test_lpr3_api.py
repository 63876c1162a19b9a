"""POST /api/v1/lpr3/validate: the dry run of one patient's LPR3 report against the rules.

Codes are read from the terminology app (the starter set and the few codes added below), SOR
units from the caller's organisation. Nothing about a patient is read, so nothing is logged.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from klinik.api.tests.helpers import ApiClient
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.reporting.lpr3.catalogue import catalogue
from klinik.reporting.lpr3.tests.builder import DELETE, change, document
from klinik.terminology.choices import CodeSource
from klinik.terminology.models import SKSCode

K = "forloebselementer[0].kontakter[0]"


@pytest.fixture
def units(world):
    """Organisation A's unit holds the document's SOR code SOR1; B's unit has its own."""
    world.unit_a.sor_code = "SOR1"
    world.unit_a.save(update_fields=["sor_code"])
    world.unit_b.sor_code = "SORB"
    world.unit_b.save(update_fields=["sor_code"])
    # The administrative codes the document uses beyond the starter set.
    for code in ("ALAC01", "ALDA00", "ALDB00"):
        SKSCode.objects.create(
            register="adm",
            code=code,
            text=code,
            valid_from=date(2000, 1, 1),
            source=CodeSource.SKS,
        )
    return world


def a_document(**changes: Any) -> dict[str, Any]:
    """The builder's valid report, in the suite's recent past (the clock is in 2026)."""
    doc = document()
    doc["forloebselementer"][0]["henvisning"]["instans"] = "SOR1"
    for path, value in changes.items():
        doc = change(doc, path, value)
    return doc


@pytest.fixture
def secretary_a(units, client: Client) -> ApiClient:
    return ApiClient(client, units.member(Role.SECRETARY))


def test_a_valid_report_has_no_errors(secretary_a):
    response = secretary_a.post("/lpr3/validate", a_document())
    assert response.status_code == 200, response.content
    assert response.json() == {"errors": []}


def test_broken_rules_are_listed_with_id_severity_danish_text_and_path(secretary_a):
    response = secretary_a.post("/lpr3/validate", a_document(**{f"{K}.diagnoser": []}))
    assert response.status_code == 200
    errors = response.json()["errors"]
    assert {
        "rule": "05.14",
        "severity": "ERROR",
        "message": catalogue()["05.14"].text,
        "path": f"{K}.diagnoser",
    } in errors


def test_an_unknown_code_and_a_malformed_time_are_the_rules_they_break(secretary_a):
    doc = a_document(**{f"{K}.type": "XYZ", f"{K}.start": "5. marts"})
    response = secretary_a.post("/lpr3/validate", doc)
    assert response.status_code == 200
    found = {(e["rule"], e["path"]) for e in response.json()["errors"]}
    assert {("05.a", f"{K}.type"), ("00.01", f"{K}.start"), ("05.21", f"{K}.start")} <= found


def test_units_are_the_callers_organisations(units, client):
    """SOR1 is organisation A's unit: for B's users it is no known unit."""
    doctor_b = ApiClient(client, units.member(Role.DOCTOR, unit=units.unit_b))
    response = doctor_b.post("/lpr3/validate", a_document())
    assert response.status_code == 200
    found = {(e["rule"], e["path"]) for e in response.json()["errors"]}
    assert ("05.41", f"{K}.ansvarlig") in found
    own = a_document(
        **{
            "forloebselementer[0].ansvarlig": "SORB",
            f"{K}.ansvarlig": "SORB",
            f"{K}.opholdsadresser[0].enhed": "SORB",
        }
    )
    assert doctor_b.post("/lpr3/validate", own).json() == {"errors": []}


def test_an_inactive_unit_is_not_valid(units, secretary_a):
    units.unit_a.is_active = False
    units.unit_a.save(update_fields=["is_active"])
    found = {e["rule"] for e in secretary_a.post("/lpr3/validate", a_document()).json()["errors"]}
    assert {"02.41", "05.41", "09.41"} <= found


def test_a_body_that_is_not_json_is_400(secretary_a):
    response = secretary_a.client.post(
        "/api/v1/lpr3/validate", "{not json", content_type="application/json", **secretary_a.auth
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


@pytest.mark.parametrize("field", ["patient", "forloebselementer"])
def test_a_report_without_a_required_part_is_422_naming_it(secretary_a, field):
    response = secretary_a.post("/lpr3/validate", a_document(**{field: DELETE}))
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field
    assert body["detail"].startswith(f"{field}:")


def test_a_part_of_the_wrong_shape_is_422_naming_its_path(secretary_a):
    response = secretary_a.post(
        "/lpr3/validate", a_document(**{"forloebselementer[0].kontakter": "none"})
    )
    assert response.status_code == 422
    assert response.json()["field"] == "forloebselementer[0].kontakter"


def test_a_role_without_coding_is_refused(units, client):
    booker = ApiClient(client, units.member(Role.HEALTH_SERVICE_SECRETARY))
    assert booker.post("/lpr3/validate", a_document()).status_code == 403


def test_validation_reads_no_patient_and_logs_nothing(secretary_a):
    before = AccessLogEntry.objects.count()
    assert secretary_a.post("/lpr3/validate", a_document()).status_code == 200
    assert AccessLogEntry.objects.count() == before
