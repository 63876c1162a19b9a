"""POST /api/v1/appointment-types: the manager adds a type (201 with its id), refused input is
a 422 with detail and code and writes nothing, another organisation's unit is a 404, and other
roles get a 403."""

from __future__ import annotations

import pytest

from klinik.audit.choices import Action, Channel
from klinik.audit.models import AccessLogEntry
from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.scheduling.models import AppointmentType
from klinik.scheduling.tests.factories import clinic_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic(world):
    return clinic_create(world.unit_a)


def _poster(client, world, role: Role):
    membership = world.member(role)
    _, token = api_token_create(user=membership.user, organisation=world.org_a)

    def post(data: dict):
        return client.post(
            "/api/v1/appointment-types",
            data,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    return post


def _body(world, clinic, **changes: object) -> dict:
    return {
        "unit": str(world.unit_a.public_id),
        "name": "Sårskift",
        "duration_minutes": 20,
        "buffer_minutes": 5,
        "bookable_online": True,
        "requirements": [
            {"kind": "practitioner"},
            {"kind": "room", "allowed": [str(clinic.rooms[0].public_id)]},
        ],
    } | changes


def test_post_creates_the_type_and_answers_201_with_its_id(world, clinic, client) -> None:
    response = _poster(client, world, Role.MANAGER)(_body(world, clinic, buffer_before_minutes=10))
    assert response.status_code == 201, response.content
    body = response.json()
    created = AppointmentType.objects.get(public_id=body["id"])
    assert (created.name, created.unit_id, created.duration_minutes) == (
        "Sårskift",
        world.unit_a.pk,
        20,
    )
    assert (created.buffer_before_minutes, body["buffer_before_minutes"]) == (10, 10)
    assert body["unit_id"] == str(world.unit_a.public_id)
    assert sorted(body["requirements"], key=lambda r: r["kind"]) == [
        {"kind": "practitioner", "allowed": []},
        {"kind": "room", "allowed": [str(clinic.rooms[0].public_id)]},
    ]
    entry = AccessLogEntry.objects.get(action=Action.SETUP_CHANGE)
    assert (entry.channel, entry.object_id) == (Channel.API, body["id"])


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"requirements": []}, "no_requirement", "requirements"),
        ({"requirements": [{"kind": "equipment"}]}, "resource_missing", "requirement_equipment"),
        ({"duration_minutes": 10**12}, "invalid", "duration_minutes"),
        ({"name": "Konsultation"}, "name_taken", "name"),
    ],
)
def test_refused_input_is_422_with_detail_and_code_and_writes_nothing(
    world, clinic, client, changes, code, field
) -> None:
    before = AppointmentType.objects.count()
    response = _poster(client, world, Role.MANAGER)(_body(world, clinic, **changes))
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == code
    assert body["detail"].startswith(f"{field}: ")
    assert AppointmentType.objects.count() == before
    assert not AccessLogEntry.objects.filter(action=Action.SETUP_CHANGE).exists()


def test_another_organisations_unit_or_resource_is_not_reachable(world, clinic, client) -> None:
    other = clinic_create(world.unit_b)
    post = _poster(client, world, Role.MANAGER)
    before = AppointmentType.objects.count()
    response = post(_body(world, clinic, unit=str(world.unit_b.public_id)))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    foreign_room = {"kind": "room", "allowed": [str(other.rooms[0].public_id)]}
    response = post(_body(world, clinic, requirements=[foreign_room]))
    assert response.status_code == 422
    assert str(other.rooms[0].public_id) in response.json()["detail"]
    assert other.rooms[0].name not in response.json()["detail"]
    assert AppointmentType.objects.count() == before


def test_a_secretary_may_read_types_but_not_add_them(world, clinic, client) -> None:
    response = _poster(client, world, Role.SECRETARY)(_body(world, clinic))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not AppointmentType.objects.filter(name="Sårskift").exists()
