"""REST for scheduling: types, slots, booking with 409 and alternatives, cancel, day list."""

from datetime import timedelta

import pytest

from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.scheduling.models import Appointment
from klinik.scheduling.tests.factories import at, clinic_create, next_workday


@pytest.fixture
def setup(world, client):
    clinic = clinic_create(world.unit_a)
    membership = world.member(Role.SECRETARY)
    _, token = api_token_create(user=membership.user, organisation=world.org_a)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    class Api:
        day = next_workday()

        def get(self, path: str, **params: object):
            return client.get(f"/api/v1{path}", params, **auth)

        def post(self, path: str, data: dict):
            return client.post(f"/api/v1{path}", data, content_type="application/json", **auth)

    api = Api()
    api.clinic = clinic
    api.world = world
    return api


def test_appointment_types(setup):
    body = setup.get("/appointment-types").json()
    assert {t["name"] for t in body} == {"Konsultation", "Telefonkonsultation", "Holdtræning"}


def test_slots_with_dates_or_datetimes_and_practitioner(setup):
    day = setup.day
    kind = str(setup.clinic.consultation.public_id)
    slots = setup.get(
        "/slots", appointment_type=kind, start=day.isoformat(), end=day.isoformat(), limit=3
    ).json()
    assert len(slots) == 3
    assert slots[0]["practitioner"]["kind"] == "practitioner"
    assert {r["kind"] for r in slots[0]["resources"]} == {"practitioner", "room"}
    doctor = setup.clinic.doctors[1]
    chosen = setup.get(
        "/slots",
        appointment_type=kind,
        start=at(day, 13).isoformat(),
        end=at(day, 16).isoformat(),
        practitioner=str(doctor.public_id),
    ).json()
    assert chosen and all(s["practitioner"]["id"] == str(doctor.public_id) for s in chosen)
    assert (
        setup.get(
            "/slots", appointment_type=kind, start="i morgen", end=day.isoformat()
        ).status_code
        == 422
    )


def test_book_then_the_same_slot_is_409_with_alternatives(setup):
    payload = {
        "patient": str(setup.world.patient_a.public_id),
        "appointment_type": str(setup.clinic.phone.public_id),
        "start": at(setup.day, 9).isoformat(),
        "practitioner": str(setup.clinic.doctors[0].public_id),
    }
    created = setup.post("/appointments", payload)
    assert created.status_code == 201, created.content
    assert created.json()["practitioner"]["id"] == payload["practitioner"]
    from klinik.patients.tests.factories import PatientFactory

    other = PatientFactory(unit=setup.world.unit_a)
    again = setup.post("/appointments", payload | {"patient": str(other.public_id)})
    assert again.status_code == 409
    body = again.json()
    assert body["code"] == "taken"
    assert body["alternatives"]
    assert Appointment.objects.count() == 1


def test_refusals_outside_hours_and_in_the_past_are_422_with_a_message(setup):
    base = {
        "patient": str(setup.world.patient_a.public_id),
        "appointment_type": str(setup.clinic.phone.public_id),
    }
    late = setup.post("/appointments", base | {"start": at(setup.day, 22).isoformat()})
    assert late.status_code == 422
    assert late.json()["code"] == "outside_hours"
    past = setup.post(
        "/appointments", base | {"start": at(setup.day - timedelta(days=60), 9).isoformat()}
    )
    assert past.status_code == 422
    assert past.json()["code"] == "past"
    assert not Appointment.objects.exists()


def test_foreign_patient_or_type_is_404(setup, world, actor_for):
    from klinik.scheduling.tests.factories import clinic_create

    other_clinic = clinic_create(world.unit_b)
    response = setup.post(
        "/appointments",
        {
            "patient": str(world.patient_b.public_id),
            "appointment_type": str(setup.clinic.phone.public_id),
            "start": at(setup.day, 9).isoformat(),
        },
    )
    assert response.status_code == 404
    response = setup.post(
        "/appointments",
        {
            "patient": str(world.patient_a.public_id),
            "appointment_type": str(other_clinic.phone.public_id),
            "start": at(setup.day, 9).isoformat(),
        },
    )
    assert response.status_code == 404


def test_cancel_and_list_a_day(setup):
    created = setup.post(
        "/appointments",
        {
            "patient": str(setup.world.patient_a.public_id),
            "appointment_type": str(setup.clinic.consultation.public_id),
            "start": at(setup.day, 10).isoformat(),
        },
    ).json()
    listed = setup.get("/appointments", date=setup.day.isoformat()).json()
    assert [a["id"] for a in listed] == [created["id"]]
    assert setup.post(f"/appointments/{created['id']}/cancel", {"reason": ""}).status_code == 422
    cancelled = setup.post(f"/appointments/{created['id']}/cancel", {"reason": "Afbud"})
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert setup.get("/appointments", date=setup.day.isoformat()).json() == []


def test_cancel_chooses_whether_the_patient_is_told_and_refuses_a_second_cancel(setup):
    created = setup.post(
        "/appointments",
        {
            "patient": str(setup.world.patient_a.public_id),
            "appointment_type": str(setup.clinic.consultation.public_id),
            "start": at(setup.day, 11).isoformat(),
        },
    ).json()
    url = f"/appointments/{created['id']}/cancel"
    cancelled = setup.post(url, {"reason": "Afbud", "notify": False})
    assert cancelled.status_code == 200
    appointment = Appointment.objects.get(public_id=created["id"])
    assert appointment.notifies_patient is False
    again = setup.post(url, {"reason": "Igen"})
    assert again.status_code == 409
    assert again.json()["code"] == "already_cancelled"
    appointment.refresh_from_db()
    assert appointment.cancel_reason == "Afbud"


def test_a_practitioners_day_lists_only_theirs(setup, world):
    doctor_1, doctor_2 = setup.clinic.doctors
    made = {}
    for doctor, hour in ((doctor_1, 9), (doctor_2, 10)):
        made[doctor.pk] = setup.post(
            "/appointments",
            {
                "patient": str(setup.world.patient_a.public_id),
                "appointment_type": str(setup.clinic.consultation.public_id),
                "start": at(setup.day, hour).isoformat(),
                "practitioner": str(doctor.public_id),
            },
        ).json()["id"]
    day = setup.day.isoformat()
    listed = setup.get("/appointments", date=day, practitioner=str(doctor_2.public_id)).json()
    assert [a["id"] for a in listed] == [made[doctor_2.pk]]
    assert listed[0]["practitioner"]["id"] == str(doctor_2.public_id)
    room = setup.clinic.rooms[0]
    refused = setup.get("/appointments", date=day, practitioner=str(room.public_id))
    assert refused.status_code == 422
    foreign = clinic_create(world.unit_b).doctors[0]
    assert (
        setup.get("/appointments", date=day, practitioner=str(foreign.public_id)).status_code == 404
    )
