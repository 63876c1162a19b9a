"""Booking and moving into a chosen room: the room must be one the type needs, in the unit and
free; a room that does not fit is refused with a message naming the rooms that do, a taken
one with free times in that room first. Without a choice the schedule picks, as before."""

from datetime import datetime, time

import pytest

from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.booking import appointment_book, appointment_move
from klinik.scheduling.booking_rules import rooms_for_type
from klinik.scheduling.choices import ResourceKind
from klinik.scheduling.errors import BookingError
from klinik.scheduling.models import (
    Appointment,
    AppointmentResource,
    AppointmentType,
    Resource,
    TypeRequirement,
    WorkingHours,
)
from klinik.scheduling.tests.factories import at, clinic_create, next_workday


@pytest.fixture
def clinic(world):
    return clinic_create(world.unit_a, doctors=2, rooms=3)


@pytest.fixture
def day():
    return next_workday()


def _book(actor, patient, kind, start, **kw):
    return appointment_book(actor=actor, patient=patient, appointment_type=kind, start=start, **kw)


def _held(appointment) -> set[Resource]:
    return {
        hold.resource
        for hold in AppointmentResource.objects.filter(appointment=appointment).select_related(
            "resource"
        )
    }


def _resource(unit, kind, name) -> Resource:
    resource = Resource.objects.create(
        organisation_id=unit.organisation_id, unit=unit, kind=kind, name=name
    )
    for weekday in range(5):
        WorkingHours.objects.create(
            organisation_id=unit.organisation_id,
            resource=resource,
            weekday=weekday,
            start=time(8),
            end=time(16),
        )
    return resource


def test_a_chosen_room_is_held_instead_of_the_first_free_one(world, clinic, actor, day):
    chosen = clinic.rooms[2]
    appointment = _book(actor, world.patient_a, clinic.consultation, at(day, 9), room=chosen)
    assert chosen in _held(appointment)
    assert not {clinic.rooms[0], clinic.rooms[1]} & _held(appointment)
    # Without a choice, the schedule still picks the first free room in the unit's order.
    other = _book(actor, world.patient_a2, clinic.consultation, at(day, 9))
    assert clinic.rooms[0] in _held(other)


def test_a_taken_room_is_refused_with_free_times_in_that_room_first(world, clinic, actor, day):
    room = clinic.rooms[1]
    _book(actor, world.patient_a, clinic.consultation, at(day, 9), room=room)
    with pytest.raises(BookingError) as exc:
        # The second doctor and two rooms are free at 9:00, but not this room.
        _book(actor, world.patient_a2, clinic.consultation, at(day, 9), room=room)
    assert exc.value.code == "taken"
    assert exc.value.alternatives
    assert room in exc.value.alternatives[0].resources
    assert Appointment.objects.count() == 1
    # Picking the first alternative books it in that room.
    first = exc.value.alternatives[0]
    booked = _book(actor, world.patient_a2, clinic.consultation, first.start, room=room)
    assert room in _held(booked)


def test_a_room_the_type_cannot_use_is_refused_naming_the_rooms_that_fit(world, clinic, actor, day):
    office = _resource(world.unit_a, ResourceKind.ROOM, "Kontor")
    # The consultation may use the three consultation rooms only.
    requirement = TypeRequirement.objects.get(
        appointment_type=clinic.consultation, kind=ResourceKind.ROOM
    )
    requirement.allowed.set(clinic.rooms)
    other_unit_room = _resource(world.unit_a2, ResourceKind.ROOM, "Rum i A2")
    for unfit in (office, other_unit_room, clinic.doctors[1]):
        with pytest.raises(BookingError) as exc:
            _book(actor, world.patient_a, clinic.consultation, at(day, 9), room=unfit)
        assert exc.value.code == "room_unfit"
        assert unfit.name in exc.value.message
        assert all(room.name in exc.value.message for room in clinic.rooms)
        assert exc.value.alternatives == []
    assert not Appointment.objects.exists()
    assert rooms_for_type(clinic.consultation) == clinic.rooms


def test_a_room_for_a_type_that_needs_none_is_refused(world, clinic, actor, day):
    with pytest.raises(BookingError) as exc:
        _book(actor, world.patient_a, clinic.phone, at(day, 9), room=clinic.rooms[0])
    assert exc.value.code == "room_unfit"
    assert clinic.phone.name in exc.value.message
    assert not Appointment.objects.exists()


def test_equipment_is_chosen_like_a_room(world, clinic, actor, day):
    ecg = AppointmentType.objects.create(
        organisation_id=world.org_a.pk, unit=world.unit_a, name="EKG", duration_minutes=20
    )
    for kind in (ResourceKind.PRACTITIONER, ResourceKind.EQUIPMENT):
        TypeRequirement.objects.create(
            organisation_id=world.org_a.pk, appointment_type=ecg, kind=kind
        )
    first = _resource(world.unit_a, ResourceKind.EQUIPMENT, "EKG-apparat 1")
    second = _resource(world.unit_a, ResourceKind.EQUIPMENT, "EKG-apparat 2")
    appointment = _book(actor, world.patient_a, ecg, at(day, 10), room=second)
    assert second in _held(appointment) and first not in _held(appointment)
    with pytest.raises(BookingError) as exc:
        _book(actor, world.patient_a, ecg, at(day, 10), room=clinic.rooms[0])
    assert exc.value.code == "room_unfit"
    assert "EKG-apparat 1" in exc.value.message


def test_moving_into_a_chosen_room(world, clinic, actor, day):
    appointment = _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    assert clinic.rooms[0] in _held(appointment)
    moved = appointment_move(
        actor=actor, appointment=appointment, start=at(day, 9), room=clinic.rooms[2]
    )
    assert clinic.rooms[2] in _held(moved) and clinic.rooms[0] not in _held(moved)
    # Another appointment (with the other doctor) cannot move into the room at that time;
    # nothing changes.
    other = _book(
        actor, world.patient_a2, clinic.consultation, at(day, 10), practitioner=clinic.doctors[1]
    )
    with pytest.raises(BookingError) as exc:
        appointment_move(actor=actor, appointment=other, start=at(day, 9), room=clinic.rooms[2])
    assert exc.value.code == "taken"
    other.refresh_from_db()
    assert other.start == at(day, 10)
    with pytest.raises(BookingError) as exc:
        appointment_move(actor=actor, appointment=other, start=at(day, 11), room=clinic.doctors[0])
    assert exc.value.code == "room_unfit"
    # Moving without a room lets the schedule choose again.
    again = appointment_move(actor=actor, appointment=other, start=at(day, 9))
    assert clinic.rooms[0] in _held(again)


def test_joining_a_group_session_in_another_room_is_refused(world, clinic, actor, day):
    hall = _resource(world.unit_a, ResourceKind.ROOM, "Træningssal")
    TypeRequirement.objects.create(
        organisation_id=world.org_a.pk, appointment_type=clinic.group, kind=ResourceKind.ROOM
    )
    first = _book(actor, world.patient_a, clinic.group, at(day, 13), room=hall)
    assert hall in _held(first)
    joined = _book(actor, world.patient_a2, clinic.group, at(day, 13), room=hall)
    assert joined.session_key == first.session_key
    with pytest.raises(BookingError) as exc:
        _book(
            actor,
            PatientFactory(unit=world.unit_a),
            clinic.group,
            at(day, 13),
            room=clinic.rooms[0],
        )
    assert exc.value.code == "room_unfit"
    assert "Træningssal" in exc.value.message


# REST -------------------------------------------------------------------------------------------


@pytest.fixture
def api(world, client, clinic):
    membership = world.member(Role.SECRETARY)
    _, token = api_token_create(user=membership.user, organisation=world.org_a)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def post(data: dict):
        return client.post("/api/v1/appointments", data, content_type="application/json", **auth)

    return post


def test_api_books_into_a_chosen_room_and_refuses_a_taken_or_unfit_one(world, clinic, api, day):
    payload = {
        "patient": str(world.patient_a.public_id),
        "appointment_type": str(clinic.consultation.public_id),
        "start": at(day, 9).isoformat(),
        "room": str(clinic.rooms[1].public_id),
    }
    created = api(payload)
    assert created.status_code == 201, created.content
    assert str(clinic.rooms[1].public_id) in {r["id"] for r in created.json()["resources"]}
    taken = api(payload | {"patient": str(PatientFactory(unit=world.unit_a).public_id)})
    assert taken.status_code == 409
    body = taken.json()
    assert body["code"] == "taken"
    assert str(clinic.rooms[1].public_id) in {r["id"] for r in body["alternatives"][0]["resources"]}
    unfit = api(payload | {"room": str(clinic.doctors[1].public_id)})
    assert unfit.status_code == 422
    assert unfit.json()["code"] == "room_unfit"
    assert clinic.rooms[0].name in unfit.json()["detail"]
    foreign_room = Resource.objects.create(
        organisation_id=world.org_b.pk, unit=world.unit_b, kind=ResourceKind.ROOM, name="B-rum"
    )
    assert api(payload | {"room": str(foreign_room.public_id)}).status_code == 404
    assert Appointment.objects.count() == 1


# The calendar's booking panel and move form -----------------------------------------------------

PANEL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "cal-panel"}


@pytest.fixture
def secretary_client(world, login_as):
    membership = world.member(Role.SECRETARY)
    return login_as(membership)


def test_a_time_clicked_in_a_room_column_is_booked_in_that_room(
    world, clinic, secretary_client, day
):
    room = clinic.rooms[1]
    state = {
        "unit": str(world.unit_a.public_id),
        "resource": str(room.public_id),
        "start_date": day.isoformat(),
        "start_time": "09:00",
        "patient": str(world.patient_a.public_id),
    }
    typed = secretary_client.post(
        "/calendar/book/", state | {"pick_type": str(clinic.consultation.public_id)}, **PANEL
    )
    body = typed.content.decode()
    assert 'name="room"' in body
    assert f'<option value="{room.public_id}" selected>' in body
    state["appointment_type"] = str(clinic.consultation.public_id)
    done = secretary_client.post("/calendar/book/", state | {"action": "confirm"}, **PANEL)
    assert done.status_code == 200, done.content.decode()[:2000]
    assert room in _held(Appointment.objects.get())


def test_a_room_chosen_in_the_panel_limits_the_free_times_to_that_room(
    world, clinic, actor, secretary_client, day
):
    room = clinic.rooms[2]
    _book(actor, world.patient_a2, clinic.consultation, at(day, 8), room=room)
    state = {
        "unit": str(world.unit_a.public_id),
        "patient": str(world.patient_a.public_id),
        "appointment_type": str(clinic.consultation.public_id),
        "from_date": day.isoformat(),
        "room": str(room.public_id),
    }
    body = secretary_client.post("/calendar/book/", state, **PANEL).content.decode()
    values = [part.split('"', 1)[0] for part in body.split('name="pick_slot" value="')[1:]]
    assert values
    assert all(value.endswith(f"|{room.public_id}") for value in values)
    # 8:00 is taken in that room (the other rooms are free then): the first time is 8:20.
    assert datetime.fromisoformat(values[0].split("|")[0]) == at(day, 8, 20)
    # Picking one and confirming books it in the room; the posted room (the select) agrees.
    picked = secretary_client.post("/calendar/book/", state | {"pick_slot": values[0]}, **PANEL)
    assert f'<option value="{room.public_id}" selected>' in picked.content.decode()
    state |= {
        "resource": values[0].split("|")[1],
        "start_date": day.isoformat(),
        "start_time": "08:20",
        "action": "confirm",
    }
    done = secretary_client.post("/calendar/book/", state, **PANEL)
    assert done.status_code == 200, done.content.decode()[:2000]
    booked = Appointment.objects.get(patient=world.patient_a)
    assert booked.start == at(day, 8, 20)
    assert room in _held(booked)


def test_moving_into_another_room_by_form_or_by_dropping_in_its_column(
    world, clinic, actor, secretary_client, day
):
    appointment = _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    url = f"/calendar/appointments/{appointment.public_id}/move/"
    panel = secretary_client.get(f"/calendar/appointments/{appointment.public_id}/", **PANEL)
    assert 'name="room"' in panel.content.decode()
    by_form = secretary_client.post(
        url, {"date": day.isoformat(), "time": "09:00", "room": str(clinic.rooms[1].public_id)}
    )
    assert by_form.status_code == 302
    assert clinic.rooms[1] in _held(appointment)
    dropped = secretary_client.post(
        url,
        {"date": day.isoformat(), "time": "10:00", "column": str(clinic.rooms[2].public_id)},
        **PANEL,
    )
    assert dropped.status_code == 200, dropped.content.decode()[:2000]
    appointment.refresh_from_db()
    assert appointment.start == at(day, 10)
    assert clinic.rooms[2] in _held(appointment)
    # A room the type cannot use is refused, and nothing moves.
    office = _resource(world.unit_a, ResourceKind.ROOM, "Kontor")
    TypeRequirement.objects.get(
        appointment_type=clinic.consultation, kind=ResourceKind.ROOM
    ).allowed.set(clinic.rooms)
    refused = secretary_client.post(
        url,
        {"date": day.isoformat(), "time": "11:00", "column": str(office.public_id)},
        **PANEL,
    )
    assert refused.status_code == 422
    appointment.refresh_from_db()
    assert appointment.start == at(day, 10)
