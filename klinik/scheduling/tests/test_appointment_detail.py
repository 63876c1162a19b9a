"""Reading one appointment with its patient goes through scheduling/access.py's
appointment_detail, which writes the read to the access log: the calendar's appointment panel,
the day view opened on an appointment, and GET /api/v1/appointments/{id}. Another
organisation's appointment is the same 404 as a missing one, and nothing is logged then."""

import uuid

import pytest
from django.http import Http404

from klinik.audit.models import AccessLogEntry
from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.scheduling.access import appointment_detail
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.tests.factories import at, clinic_create, next_workday

PANEL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "cal-panel"}


@pytest.fixture
def setup(world, actor_for):
    clinic = clinic_create(world.unit_a)
    membership = world.member(Role.SECRETARY)
    actor = actor_for(membership)
    day = next_workday()
    appointment = appointment_book(
        actor=actor, patient=world.patient_a, appointment_type=clinic.consultation, start=at(day, 9)
    )
    clinic_b = clinic_create(world.unit_b)
    actor_b = actor_for(world.member(Role.SECRETARY, unit=world.unit_b))
    foreign = appointment_book(
        actor=actor_b, patient=world.patient_b, appointment_type=clinic_b.phone, start=at(day, 9)
    )
    return membership, actor, appointment, foreign, day


def _reads_of(appointment):
    return AccessLogEntry.objects.filter(
        action="view", object_type="appointment", object_id=str(appointment.public_id)
    )


def test_the_detail_selector_logs_the_read_of_the_patient(world, setup):
    _membership, actor, appointment, foreign, _day = setup
    found = appointment_detail(actor=actor, public_id=appointment.public_id)
    assert found == appointment
    assert {h.resource.kind for h in found.resource_holds.all()} == {"practitioner", "room"}
    entry = _reads_of(appointment).get()
    assert entry.patient_id == world.patient_a.public_id
    assert entry.organisation_id == world.org_a.pk
    assert entry.user_id == actor.user.pk
    assert entry.channel == "ui"
    for missing in (foreign.public_id, uuid.uuid4(), "not-a-uuid"):
        with pytest.raises(Http404):
            appointment_detail(actor=actor, public_id=missing)
    assert not _reads_of(foreign).exists()


def test_the_calendar_panel_and_the_day_view_opened_on_it_log_the_read(
    world, setup, login_as, client
):
    membership, _actor, appointment, foreign, day = setup
    login_as(membership)
    panel = client.get(f"/calendar/appointments/{appointment.public_id}/", **PANEL)
    assert panel.status_code == 200
    assert world.patient_a.name in panel.content.decode()
    assert _reads_of(appointment).count() == 1
    page = client.get("/calendar/", {"date": day.isoformat(), "open": appointment.public_id})
    assert page.status_code == 200
    assert _reads_of(appointment).count() == 2
    assert client.get(f"/calendar/appointments/{foreign.public_id}/", **PANEL).status_code == 404
    assert not _reads_of(foreign).exists()


def test_the_api_reads_one_appointment_and_logs_it(world, setup, client):
    membership, _actor, appointment, foreign, _day = setup
    _, token = api_token_create(user=membership.user, organisation=world.org_a)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    response = client.get(f"/api/v1/appointments/{appointment.public_id}", **auth)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["patient"] == str(world.patient_a.public_id)
    assert {r["kind"] for r in body["resources"]} == {"practitioner", "room"}
    assert _reads_of(appointment).get().channel == "api"
    assert client.get(f"/api/v1/appointments/{foreign.public_id}", **auth).status_code == 404
    assert not _reads_of(foreign).exists()
