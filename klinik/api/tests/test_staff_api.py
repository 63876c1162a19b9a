"""GET /api/v1/staff/courses and /staff/competences: the catalogue exactly as shipped, each
organisation's own courses and competences visible to it alone."""

from __future__ import annotations

from decimal import Decimal

from klinik.api.tests.helpers import ApiClient
from klinik.core.choices import Role
from klinik.staff import catalogue
from klinik.staff.models import Competence, Course


def test_courses_are_the_catalogue_with_exactly_the_named_fields(world, client):
    api = ApiClient(client, world.member(Role.SECRETARY))
    response = api.get("/staff/courses")
    assert response.status_code == 200
    body = response.json()
    rows = catalogue.courses_read()
    assert [{k: c[k] for k in ("number", "level", "title", "days", "tied_from")} for c in body] == [
        {
            "number": r.number,
            "level": r.level,
            "title": r.title,
            "days": float(r.days),
            "tied_from": r.tied_from.isoformat(),
        }
        for r in rows
    ]
    first = body[0]
    assert isinstance(first["number"], str) and isinstance(first["days"], float)
    drg = next(c for c in body if c["number"] == "48665")
    assert drg == {
        "number": "48665",
        "level": "AD",
        "title": "Sundhedsdata og DRG",
        "days": 15.0,
        "tied_from": "2018-07-11",
        "is_amu": True,
        "competences": ["data", "administration"],
    }


def test_an_organisations_own_course_and_competence_are_its_alone(world, client):
    own = Course.objects.create(
        organisation=world.org_a, number="LOK-1", title="Førstehjælp", days=Decimal("1.0")
    )
    local = Competence.objects.create(
        organisation=world.org_a, code="drg-kodning", name="Må kode DRG", position=1
    )
    own.competences.add(local)
    a = ApiClient(client, world.member(Role.MANAGER))
    assert "LOK-1" in [c["number"] for c in a.get("/staff/courses").json()]
    competences = a.get("/staff/competences").json()
    assert [c["code"] for c in competences][-1] == "drg-kodning"
    assert competences[-1]["is_local"] is True and competences[-1]["courses"] == ["LOK-1"]

    b = ApiClient(client, world.member(Role.MANAGER, unit=world.unit_b))
    assert "LOK-1" not in [c["number"] for c in b.get("/staff/courses").json()]
    assert "drg-kodning" not in [c["code"] for c in b.get("/staff/competences").json()]


def test_competences_are_the_seeds_four_with_their_tasks(world, client):
    api = ApiClient(client, world.member(Role.NURSE))
    body = api.get("/staff/competences").json()
    assert [c["code"] for c in body] == ["assistance", "data", "administration", "coordination"]
    assert body[0]["name"] == "Assistance ved undersøgelse og behandling/terapi"
    assert "Måle og veje patienter" in body[0]["tasks"]
    assert "48664" in body[3]["courses"]


def test_the_catalogue_needs_a_token(db, client):
    assert client.get("/api/v1/staff/courses").status_code == 401
