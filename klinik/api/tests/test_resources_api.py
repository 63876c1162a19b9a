"""REST for resources, working hours and absences: the contract's names, 201/204/403/404/422,
PUT replacing the set atomically, an absence's conflicts, and slot search after it."""

from __future__ import annotations

import json

import pytest

from klinik.api.tests.helpers import MISSING, ApiClient
from klinik.audit.choices import Action
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.models import Absence, Resource, WorkingHours
from klinik.scheduling.tests.factories import at, clinic_create, next_workday

pytestmark = pytest.mark.django_db


class Api(ApiClient):
    def put(self, path: str, data: object) -> object:
        return self.client.put(
            f"/api/v1{path}", json.dumps(data), content_type="application/json", **self.auth
        )

    def delete(self, path: str) -> object:
        return self.client.delete(f"/api/v1{path}", **self.auth)


@pytest.fixture
def clinic(world):
    return clinic_create(world.unit_a, doctors=1)


@pytest.fixture
def manager(world, client):
    return Api(client, world.member(Role.MANAGER))


@pytest.fixture
def secretary(world, client):
    return Api(client, world.member(Role.SECRETARY))


@pytest.fixture
def day():
    return next_workday(days_ahead=7)


def test_list_and_create_resources(world, clinic, manager, secretary):
    listed = secretary.get("/resources").json()
    assert {r["name"] for r in listed} == {"Læge 1", "Konsultation 1"}
    doctor = world.member(Role.DOCTOR)
    response = manager.post(
        "/resources",
        {
            "unit": str(world.unit_a.public_id),
            "kind": "practitioner",
            "name": "Dr. Holm",
            "user": doctor.user.username,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["user"], body["is_active"]) == (
        "Dr. Holm",
        doctor.user.username,
        True,
    )
    assert Resource.objects.filter(public_id=body["id"], unit=world.unit_a).exists()
    refused = manager.post(
        "/resources",
        {"unit": str(world.unit_a.public_id), "kind": "room", "name": "Stue", "user": "ukendt"},
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "user_not_staff")


def test_secretary_may_not_create_a_resource(world, secretary):
    response = secretary.post(
        "/resources", {"unit": str(world.unit_a.public_id), "kind": "room", "name": "Stue 9"}
    )
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert not Resource.objects.filter(name="Stue 9").exists()


def test_put_hours_replaces_the_set_and_get_reads_it(clinic, manager):
    path = f"/resources/{clinic.doctors[0].public_id}/hours"
    rows = [
        {"weekday": 0, "start": "08:00", "end": "12:00"},
        {"weekday": 0, "start": "13:00", "end": "16:00", "weeks": "even"},
        {"weekday": 4, "start": "08:00", "end": "12:00", "valid_from": "2027-01-01"},
    ]
    response = manager.put(path, rows)
    assert response.status_code == 200, response.content
    read = manager.get(path).json()
    assert [(r["weekday"], r["start"], r["weeks"], r["valid_from"]) for r in read] == [
        (0, "08:00:00", "every", None),
        (0, "13:00:00", "even", None),
        (4, "08:00:00", "every", "2027-01-01"),
    ]
    assert AccessLogEntry.objects.filter(
        action=Action.SETUP_CHANGE, object_type="working_hours", channel="api"
    ).exists()


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        ([{"weekday": 1, "start": "12:00", "end": "08:00"}], "hours_order"),
        (
            [
                {"weekday": 1, "start": "08:00", "end": "12:00"},
                {"weekday": 1, "start": "11:00", "end": "13:00"},
            ],
            "hours_overlap",
        ),
        ([{"weekday": 9, "start": "08:00", "end": "12:00"}], "invalid"),
        ([{"weekday": 1, "start": "08:00", "end": "12:00", "weeks": "sometimes"}], "invalid"),
    ],
)
def test_put_hours_refused_is_422_and_writes_nothing(clinic, manager, rows, code):
    doctor = clinic.doctors[0]
    before = list(WorkingHours.objects.filter(resource=doctor).values_list("pk", flat=True))
    response = manager.put(f"/resources/{doctor.public_id}/hours", rows)
    assert (response.status_code, response.json()["code"]) == (422, code)
    assert response.json()["detail"]
    assert list(WorkingHours.objects.filter(resource=doctor).values_list("pk", flat=True)) == before


def test_absence_lists_conflicts_and_slots_avoid_it_then_delete(
    world, clinic, manager, actor_for, day
):
    booked = appointment_book(
        actor=actor_for(world.member(Role.SECRETARY)),
        patient=world.patient_a,
        appointment_type=clinic.phone,
        start=at(day, 9),
    )
    doctor = clinic.doctors[0]
    response = manager.post(
        f"/resources/{doctor.public_id}/absences",
        {"start": at(day, 8).isoformat(), "end": at(day, 12).isoformat(), "reason": "sick"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["conflicts"] == [str(booked.public_id)]
    slots = manager.get(
        "/slots",
        appointment_type=str(clinic.phone.public_id),
        start=day.isoformat(),
        end=day.isoformat(),
        limit=100,
    ).json()
    assert slots
    assert all(
        s["start"] >= at(day, 12).isoformat() or s["end"] <= at(day, 8).isoformat() for s in slots
    )
    assert manager.delete(f"/absences/{body['id']}").status_code == 204
    assert not Absence.objects.exists()
    assert manager.delete(f"/absences/{body['id']}").status_code == 404


def test_absence_reason_in_danish_and_refusals(clinic, manager, day):
    path = f"/resources/{clinic.doctors[0].public_id}/absences"
    ok = manager.post(
        path, {"start": at(day, 8).isoformat(), "end": at(day, 9).isoformat(), "reason": "ferie"}
    )
    assert ok.status_code == 201
    assert Absence.objects.get().kind == "vacation"
    backwards = manager.post(
        path, {"start": at(day, 9).isoformat(), "end": at(day, 8).isoformat(), "reason": "kursus"}
    )
    assert (backwards.status_code, backwards.json()["code"]) == (422, "absence_order")
    unknown = manager.post(
        path, {"start": at(day, 8).isoformat(), "end": at(day, 9).isoformat(), "reason": "fri"}
    )
    assert (unknown.status_code, unknown.json()["code"]) == (422, "absence_kind")
    assert Absence.objects.count() == 1


def test_another_organisations_resources_are_404_and_untouched(world, client, clinic, day):
    clinic_b = clinic_create(world.unit_b, doctors=1)
    doctor_b = clinic_b.doctors[0]
    b_hours = list(WorkingHours.objects.filter(resource=doctor_b).values_list("pk", flat=True))
    api = Api(client, world.member(Role.MANAGER))
    for resource_id in (doctor_b.public_id, MISSING):
        assert api.get(f"/resources/{resource_id}/hours").status_code == 404
        assert api.put(f"/resources/{resource_id}/hours", []).status_code == 404
        response = api.post(
            f"/resources/{resource_id}/absences",
            {"start": at(day, 8).isoformat(), "end": at(day, 9).isoformat(), "reason": "sick"},
        )
        assert response.status_code == 404
    assert api.get("/resources", unit=str(world.unit_b.public_id)).status_code == 404
    assert "Klinik B" not in api.get("/resources").content.decode()
    created = api.post(
        "/resources", {"unit": str(world.unit_b.public_id), "kind": "room", "name": "Fremmed"}
    )
    assert created.status_code == 404
    b_absence = Absence.objects.create(
        organisation_id=world.org_b.pk,
        unit=world.unit_b,
        resource=doctor_b,
        kind="sick",
        start=at(day, 8),
        end=at(day, 9),
    )
    assert api.delete(f"/absences/{b_absence.public_id}").status_code == 404
    assert Absence.objects.filter(pk=b_absence.pk).exists()
    assert not Absence.objects.filter(organisation_id=world.org_b.pk).exclude(pk=b_absence.pk)
    assert list(WorkingHours.objects.filter(resource=doctor_b).values_list("pk", flat=True)) == (
        b_hours
    )
    assert not Resource.objects.filter(name="Fremmed").exists()
