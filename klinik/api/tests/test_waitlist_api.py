"""The waiting list over REST: 201 with the entry's id, 422 with `detail` and `code` for bad
wishes (nothing written), the unit's list, and 404 across organisations (nothing leaked or
written)."""

from datetime import timedelta

import pytest

from klinik.api.tests.helpers import MISSING, ApiClient
from klinik.core.choices import Role
from klinik.scheduling.models import WaitlistEntry
from klinik.scheduling.tests.factories import clinic_create, next_workday


@pytest.fixture
def clinic(world):
    return clinic_create(world.unit_a)


@pytest.fixture
def api(world, client):
    return ApiClient(client, world.member(Role.SECRETARY))


@pytest.fixture
def api_b(world, client):
    return ApiClient(client, world.member(Role.SECRETARY, unit=world.unit_b))


def _payload(world, clinic, **extra):
    return {
        "patient": str(world.patient_a.public_id),
        "appointment_type": str(clinic.consultation.public_id),
        **extra,
    }


def test_a_patient_is_put_on_the_list_with_wishes(world, clinic, api):
    day = next_workday()
    response = api.post(
        "/waitlist",
        _payload(
            world,
            clinic,
            practitioner=str(clinic.doctors[0].public_id),
            earliest=day.isoformat(),
            latest=(day + timedelta(days=14)).isoformat(),
            weekdays=[0, 2],
            time_of_day="morning",
            note="Kan komme med kort varsel",
        ),
    )
    assert response.status_code == 201, response.content
    entry = WaitlistEntry.objects.get(public_id=response.json()["id"])
    assert (entry.weekdays, entry.time_of_day, entry.practitioner) == (
        0b101,
        "morning",
        clinic.doctors[0],
    )

    listed = api.get("/waitlist", unit=str(world.unit_a.public_id))
    assert listed.status_code == 200
    [row] = listed.json()
    assert row["id"] == str(entry.public_id)
    assert row["weekdays"] == [0, 2]
    assert row["patient_name"] == world.patient_a.name
    assert row["offers"] == []


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"weekdays": [7]}, "weekdays"),
        ({"time_of_day": "night"}, "time_of_day"),
        ({"earliest": "2030-02-10", "latest": "2030-02-01"}, "latest"),
        ({"earliest": "0001-01-01"}, "earliest"),
    ],
)
def test_bad_wishes_are_422_and_nothing_is_written(world, clinic, api, extra, field):
    response = api.post("/waitlist", _payload(world, clinic, **extra))
    assert response.status_code == 422, response.content
    body = response.json()
    assert field in body["detail"] and body["code"]
    assert not WaitlistEntry.objects.exists()


def test_another_organisation_gets_404_and_nothing_leaks_or_is_written(world, clinic, api, api_b):
    assert api.post("/waitlist", _payload(world, clinic)).status_code == 201
    foreign_list = api_b.get("/waitlist", unit=str(world.unit_a.public_id))
    assert foreign_list.status_code == 404
    assert world.patient_a.name not in foreign_list.content.decode()
    assert api_b.get("/waitlist", unit=MISSING).status_code == 404
    # B cannot put A's patient on A's list (patient and type are both A's).
    response = api_b.post("/waitlist", _payload(world, clinic))
    assert response.status_code == 404
    assert WaitlistEntry.objects.count() == 1
    assert api_b.get("/waitlist", unit=str(world.unit_b.public_id)).json() == []
