"""The schedule's setup screens: the manager's (a secretary gets 403, another organisation's
resource a 404), refusals at the field with nothing saved, the absence that lists the booked
appointments first, and the closing days."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from klinik.core.choices import Role
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.choices import AbsenceKind, AppointmentStatus, ResourceKind
from klinik.scheduling.models import Absence, Appointment, Resource, UnitSchedule, WorkingHours
from klinik.scheduling.setup.selectors import absences_with_bookings
from klinik.scheduling.setup.services import absence_add
from klinik.scheduling.tests.factories import at, clinic_create, next_workday

pytestmark = pytest.mark.django_db


def login(client, membership):
    from conftest import login as root_login

    return root_login(client, membership)


@pytest.fixture
def clinic(world):
    return clinic_create(world.unit_a, doctors=1)


@pytest.fixture
def manager(world):
    return world.member(Role.MANAGER)


@pytest.fixture
def day():
    return next_workday(days_ahead=7)


def _hours_post(rows: list[dict[str, str]]) -> dict[str, str]:
    data = {
        "hours-TOTAL_FORMS": str(len(rows)),
        "hours-INITIAL_FORMS": "0",
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"hours-{index}-{name}": value for name, value in row.items()})
    return data


def _row(weekday: int, start: str, end: str, **extra: str) -> dict[str, str]:
    return {"weekday": str(weekday), "start": start, "end": end, "weeks": "every", **extra}


def test_setup_screens_are_the_managers(world, clinic, login_as, manager):
    doctor = clinic.doctors[0]
    urls = [
        "/setup/resources/",
        "/setup/resources/add/",
        f"/setup/resources/{doctor.public_id}/",
        f"/setup/resources/{doctor.public_id}/hours/",
        f"/setup/resources/{doctor.public_id}/absences/",
        "/setup/closing-days/",
    ]
    client = login_as(manager)
    for url in urls:
        assert client.get(url).status_code == 200, url
    front = client.get("/setup/").content.decode()
    assert 'data-section="setup_resources"' in front
    assert 'data-section="setup_closing_days"' in front
    client.logout()
    login_as(world.member(Role.SECRETARY))
    for url in urls[:4] + urls[5:]:
        assert client.get(url).status_code == 403, url
    # The desk registers a practitioner's absence (and cancels what it falls on).
    assert client.get(urls[4]).status_code == 200


def test_another_organisations_resource_is_404_and_untouched(world, login_as):
    clinic_b = clinic_create(world.unit_b, doctors=1)
    doctor_b = clinic_b.doctors[0]
    hours_before = list(WorkingHours.objects.filter(resource=doctor_b).values_list("pk", flat=True))
    client = login_as(world.member(Role.MANAGER))
    base = f"/setup/resources/{doctor_b.public_id}"
    assert client.get(f"{base}/").status_code == 404
    assert client.get(f"{base}/hours/").status_code == 404
    response = client.post(f"{base}/hours/", _hours_post([_row(0, "08:00", "09:00")]))
    assert response.status_code == 404
    assert client.get(f"/setup/resources/?unit={world.unit_b.public_id}").status_code == 404
    assert list(WorkingHours.objects.filter(resource=doctor_b).values_list("pk", flat=True)) == (
        hours_before
    )
    assert doctor_b.name not in client.get("/setup/resources/").content.decode()


def test_manager_adds_a_room_and_sets_hours_with_a_break(world, login_as, manager):
    client = login_as(manager)
    response = client.post(
        f"/setup/resources/add/?unit={world.unit_a.public_id}",
        {"kind": ResourceKind.ROOM, "name": "Stue 4", "colour": "#336699"},
    )
    room = Resource.objects.get(unit=world.unit_a, name="Stue 4")
    assert response.status_code == 302
    assert response["Location"] == f"/setup/resources/{room.public_id}/hours/"
    rows = [_row(0, "8", "12"), _row(0, "12.30", "16:00"), _row(2, "0800", "1200", weeks="odd")]
    response = client.post(f"/setup/resources/{room.public_id}/hours/", _hours_post(rows))
    assert response.status_code == 302
    saved = list(WorkingHours.objects.filter(resource=room).values_list("weekday", "weeks"))
    assert saved == [(0, "every"), (0, "every"), (2, "odd")]
    page = client.get(response["Location"]).content.decode()
    assert 'id="preview-table"' in page


def test_overlapping_hours_are_refused_at_the_field_and_nothing_is_saved(clinic, login_as, manager):
    doctor = clinic.doctors[0]
    before = list(WorkingHours.objects.filter(resource=doctor).values_list("pk", flat=True))
    client = login_as(manager)
    rows = [_row(1, "08:00", "12:00"), _row(1, "11:00", "14:00"), _row(3, "12:00", "08:00")]
    response = client.post(f"/setup/resources/{doctor.public_id}/hours/", _hours_post(rows))
    assert response.status_code == 422
    # The first refusal, at its row's field (the message names the row it overlaps).
    assert 'id="id_hours-1-start-error"' in response.content.decode()
    assert "08:00-12:00" in response.context["formset"].errors[1]["start"][0]
    assert list(WorkingHours.objects.filter(resource=doctor).values_list("pk", flat=True)) == before


def _absence_post(day, **extra: str) -> dict[str, str]:
    return {
        "kind": "sick",
        "start": f"{day:%d.%m.%Y} 08:00",
        "end": f"{day:%d.%m.%Y} 12:00",
        "note": "",
        **extra,
    }


def test_an_absence_over_a_booking_lists_it_then_cancels_all_with_notice(
    world, clinic, login_as, actor_for, day
):
    secretary = world.member(Role.SECRETARY)
    booked = appointment_book(
        actor=actor_for(secretary),
        patient=world.patient_a,
        appointment_type=clinic.phone,
        start=at(day, 9),
    )
    client = login_as(secretary)
    url = f"/setup/resources/{clinic.doctors[0].public_id}/absences/"
    response = client.post(url, _absence_post(day))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-appointment="{booked.public_id}"' in page
    assert world.patient_a.name in page
    assert 'id="absence-cancel-all"' in page
    assert not Absence.objects.exists()  # nothing saved until the choice is made
    response = client.post(
        url, {**_absence_post(day), "decision": "cancel_all", "cancel": str(booked.public_id)}
    )
    assert response.status_code == 302
    assert Absence.objects.get().resource == clinic.doctors[0]
    assert Appointment.objects.get(pk=booked.pk).status == AppointmentStatus.CANCELLED


def test_a_manager_without_booking_rights_saves_the_absence_only(
    world, clinic, login_as, actor_for, manager, day
):
    booked = appointment_book(
        actor=actor_for(world.member(Role.SECRETARY)),
        patient=world.patient_a,
        appointment_type=clinic.phone,
        start=at(day, 9),
    )
    client = login_as(manager)
    url = f"/setup/resources/{clinic.doctors[0].public_id}/absences/"
    page = client.post(url, _absence_post(day)).content.decode()
    assert 'id="absence-no-booking-right"' in page
    assert 'id="absence-cancel-all"' not in page
    # A forged "cancel all" is refused and writes nothing.
    forged = {**_absence_post(day), "decision": "cancel_all", "cancel": str(booked.public_id)}
    assert client.post(url, forged).status_code == 403
    assert not Absence.objects.exists()
    response = client.post(url, {**_absence_post(day), "decision": "save_only"})
    assert response.status_code == 302
    assert Absence.objects.count() == 1
    assert Appointment.objects.get(pk=booked.pk).status == AppointmentStatus.BOOKED


def test_an_absence_ending_before_it_starts_gets_a_message_at_the_field(
    clinic, login_as, manager, day
):
    client = login_as(manager)
    url = f"/setup/resources/{clinic.doctors[0].public_id}/absences/"
    data = _absence_post(day, end=f"{day:%d.%m.%Y} 07:00")
    response = client.post(url, data)
    assert response.status_code == 422
    assert response.context["form"].errors["end"]
    assert not Absence.objects.exists()


def test_deactivating_a_resource_with_appointments_ahead_lists_them_first(
    world, clinic, login_as, actor_for, manager, day
):
    doctor = clinic.doctors[0]
    booked = appointment_book(
        actor=actor_for(world.member(Role.SECRETARY)),
        patient=world.patient_a,
        appointment_type=clinic.phone,
        start=at(day, 9),
    )
    client = login_as(manager)
    data = {"name": doctor.name, "colour": doctor.colour}  # is_active unticked
    page = client.post(f"/setup/resources/{doctor.public_id}/", data).content.decode()
    assert 'id="deactivate-warning"' in page
    assert f'data-appointment="{booked.public_id}"' in page
    assert Resource.objects.get(pk=doctor.pk).is_active
    response = client.post(f"/setup/resources/{doctor.public_id}/", {**data, "confirm": "1"})
    assert response.status_code == 302
    assert not Resource.objects.get(pk=doctor.pk).is_active


def test_closing_days_screen_saves_optional_days_and_a_period(world, clinic, login_as, manager):
    client = login_as(manager)
    response = client.post(
        "/setup/closing-days/",
        {
            "form": "days",
            "unit": str(world.unit_a.public_id),
            "closed_on_public_holidays": "on",
            "closed_optional_days": ["Juleaftensdag", "Grundlovsdag"],
        },
    )
    assert response.status_code == 302
    schedule = UnitSchedule.objects.get(unit=world.unit_a)
    assert set(schedule.closed_optional_days) == {"Juleaftensdag", "Grundlovsdag"}
    first = next_workday(days_ahead=20)
    response = client.post(
        "/setup/closing-days/",
        {
            "form": "closure",
            "unit": str(world.unit_a.public_id),
            "first_day": f"{first:%d.%m.%Y}",
            "last_day": f"{first + timedelta(days=2):%d.%m.%Y}",
            "note": "Ombygning",
        },
    )
    assert response.status_code == 302
    closure = Absence.objects.get(resource__isnull=True)
    assert (closure.note, closure.end - closure.start >= timedelta(days=3)) == ("Ombygning", True)
    response = client.post(
        "/setup/closing-days/",
        {
            "form": "closure",
            "unit": str(world.unit_a.public_id),
            "first_day": f"{first:%d.%m.%Y}",
            "last_day": f"{first - timedelta(days=2):%d.%m.%Y}",
        },
    )
    assert response.status_code == 422
    assert response.context["closure_form"].errors["last_day"]
    assert Absence.objects.count() == 1


def test_a_closing_over_bookings_lists_them_before_it_is_saved(
    world, clinic, login_as, actor_for, manager, day
):
    booked = appointment_book(
        actor=actor_for(world.member(Role.SECRETARY)),
        patient=world.patient_a,
        appointment_type=clinic.phone,
        start=at(day, 9),
    )
    client = login_as(manager)
    closure = {
        "form": "closure",
        "unit": str(world.unit_a.public_id),
        "first_day": f"{day:%d.%m.%Y}",
        "last_day": "",
        "note": "Kursusdag",
    }
    page = client.post("/setup/closing-days/", closure).content.decode()
    assert f'data-appointment="{booked.public_id}"' in page and world.patient_a.name in page
    assert 'id="absence-no-booking-right"' in page  # a manager cannot cancel bookings
    assert not Absence.objects.exists()  # nothing saved until the choice is made
    forged = {**closure, "decision": "cancel_all", "cancel": str(booked.public_id)}
    assert client.post("/setup/closing-days/", forged).status_code == 403
    assert not Absence.objects.exists()
    response = client.post("/setup/closing-days/", {**closure, "decision": "save_only"})
    assert response.status_code == 302
    assert Absence.objects.get(resource__isnull=True).note == "Kursusdag"
    assert Appointment.objects.get(pk=booked.pk).status == AppointmentStatus.BOOKED


def test_bookings_left_inside_a_closing_wait_in_the_desks_queue_until_cancelled(
    world, clinic, login_as, actor_for, manager, day
):
    secretary = world.member(Role.SECRETARY)
    booked = appointment_book(
        actor=actor_for(secretary),
        patient=world.patient_a,
        appointment_type=clinic.phone,
        start=at(day, 9),
    )
    closure = {
        "form": "closure",
        "unit": str(world.unit_a.public_id),
        "first_day": f"{day:%d.%m.%Y}",
        "last_day": "",
        "note": "Kursusdag",
        "decision": "save_only",
    }
    setup = login(Client(), manager)
    assert setup.post("/setup/closing-days/", closure).status_code == 302
    closing = Absence.objects.get(resource__isnull=True)
    desk = login_as(secretary)
    url = f"/setup/absences/{closing.public_id}/appointments/"
    queue = desk.get("/arbejdsliste/").content.decode()
    assert url in queue and "Kursusdag" in queue
    page = desk.get(url).content.decode()
    assert f'data-appointment="{booked.public_id}"' in page and 'id="absence-cancel-all"' in page
    # Another organisation's desk gets the same 404 and cancels nothing.
    other = login(Client(), world.member(Role.SECRETARY, unit=world.unit_b))
    assert other.get(url).status_code == 404
    assert other.post(url, {"cancel": str(booked.public_id)}).status_code == 404
    assert Appointment.objects.get(pk=booked.pk).status == AppointmentStatus.BOOKED
    response = desk.post(url, {"cancel": str(booked.public_id)})
    assert response.status_code == 302
    assert Appointment.objects.get(pk=booked.pk).status == AppointmentStatus.CANCELLED
    assert url not in desk.get("/arbejdsliste/").content.decode()
    assert 'id="no-conflicts"' in desk.get(url).content.decode()


def test_an_absence_with_bookings_is_counted_for_its_resource_only(world, clinic, actor_for, day):
    secretary = actor_for(world.member(Role.SECRETARY))
    appointment_book(
        actor=secretary, patient=world.patient_a, appointment_type=clinic.phone, start=at(day, 9)
    )
    other = Resource.objects.create(
        organisation=world.org_a, unit=world.unit_a, kind=ResourceKind.PRACTITIONER, name="Vikar"
    )
    for doctor in (clinic.doctors[0], other):
        absence_add(
            actor=secretary,
            unit=world.unit_a,
            resource=doctor,
            kind=AbsenceKind.VACATION,
            start=at(day, 8),
            end=at(day, 12),
        )
    rows = absences_with_bookings(
        organisation_ids=frozenset({world.org_a.pk}),
        unit_ids=frozenset({world.unit_a.pk}),
        now=timezone.now(),
    )
    assert [(row.absence.resource, row.count) for row in rows] == [(clinic.doctors[0], 1)]
