"""POST /api/v1/appointments/series: 201 with the appointments (and skipped conflicts), 409
with the conflicts and nothing booked, 422 for settings out of bounds, 404 across
organisations with nothing written."""

from datetime import datetime, timedelta

import pytest

from klinik.api.tests.helpers import MISSING, ApiClient, same_answer
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.models import Appointment, AppointmentSeries
from klinik.scheduling.tests.factories import at, clinic_create, next_workday

PATH = "/appointments/series"


@pytest.fixture
def clinic(world):
    return clinic_create(world.unit_a)


@pytest.fixture
def api(world, client):
    return ApiClient(client, world.member(Role.SECRETARY))


@pytest.fixture
def monday():
    return next_workday(weekday=0, also_open=(7, 14, 21))


def _moment(raw: str) -> datetime:
    return datetime.fromisoformat(raw).astimezone(LOCAL)


def _payload(world, clinic, monday, **extra):
    return {
        "patient": str(world.patient_a.public_id),
        "appointment_type": str(clinic.phone.public_id),
        "practitioner": str(clinic.doctors[0].public_id),
        "start": at(monday, 9).isoformat(),
        "every_weeks": 1,
        "count": 4,
    } | extra


def _block(world, clinic, actor_for, start):
    actor = actor_for(world.member(Role.SECRETARY))
    return appointment_book(
        actor=actor,
        patient=world.patient_a2,
        appointment_type=clinic.phone,
        start=start,
        practitioner=clinic.doctors[0],
    )


def test_a_series_is_booked_with_201_and_its_appointments(api, world, clinic, monday):
    response = api.post(PATH, _payload(world, clinic, monday, every_weeks=2, count=2))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["conflicts"] == []
    assert [_moment(a["start"]) for a in body["appointments"]] == [
        at(monday, 9),
        at(monday + timedelta(days=14), 9),
    ]
    first = body["appointments"][0]
    assert first["practitioner"]["id"] == str(clinic.doctors[0].public_id)
    assert first["patient"] == str(world.patient_a.public_id)
    assert first["status"] == "booked"
    series = AppointmentSeries.objects.get(public_id=body["id"])
    assert series.count == 2 and series.interval_days == 14


def test_weekdays_until_a_date(api, world, clinic, monday):
    response = api.post(
        PATH,
        _payload(
            world,
            clinic,
            monday,
            count=None,
            weekdays=[0, 2],
            until=(monday + timedelta(days=9)).isoformat(),
        ),
    )
    assert response.status_code == 201, response.content
    starts = [_moment(a["start"]) for a in response.json()["appointments"]]
    assert starts == [at(monday + timedelta(days=d), 9) for d in (0, 2, 7, 9)]


def test_a_conflict_is_409_with_its_alternative_and_nothing_is_booked(
    api, world, clinic, monday, actor_for
):
    blocker = _block(world, clinic, actor_for, at(monday + timedelta(days=7), 9))
    response = api.post(PATH, _payload(world, clinic, monday))
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "series_conflicts"
    assert body["detail"]
    assert body["appointments"] == []
    [conflict] = body["conflicts"]
    assert conflict["index"] == 1
    assert conflict["code"] == "taken"
    assert conflict["problem"]
    assert _moment(conflict["start"]) == blocker.start
    assert _moment(conflict["alternative"]["start"]).date() == monday + timedelta(days=7)
    assert not AppointmentSeries.objects.exists()
    assert list(Appointment.objects.all()) == [blocker]


def test_skip_conflicts_books_the_free_ones_and_lists_the_others(
    api, world, clinic, monday, actor_for
):
    _block(world, clinic, actor_for, at(monday + timedelta(days=7), 9))
    response = api.post(PATH, _payload(world, clinic, monday, skip_conflicts=True))
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["appointments"]) == 3
    assert [c["index"] for c in body["conflicts"]] == [1]


@pytest.mark.parametrize(
    ("extra", "code", "field"),
    [
        ({"count": 0}, "series_count", "count"),
        ({"count": 500}, "series_count", "count"),
        ({"every_weeks": 0}, "series_interval", "every_weeks"),
        ({"count": None}, "series_end", "count"),
        ({"weekdays": [9]}, "series_weekdays", "weekdays"),
    ],
)
def test_settings_out_of_bounds_are_422_and_nothing_is_written(
    api, world, clinic, monday, extra, code, field
):
    before = AccessLogEntry.objects.count()
    response = api.post(PATH, _payload(world, clinic, monday, **extra))
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == code
    assert body["detail"].startswith(f"{field}: ")
    assert not AppointmentSeries.objects.exists()
    assert not Appointment.objects.exists()
    # Only the read of the patient is logged: nothing was booked.
    assert not AccessLogEntry.objects.filter(pk__gt=0, action="create").exists()
    assert AccessLogEntry.objects.count() - before <= 1


@pytest.mark.parametrize("bad", [{"count": 1e308}, {"start": "0001-01-01T09:00:00"}])
def test_out_of_range_numbers_and_dates_are_422(api, world, clinic, monday, bad):
    response = api.post(PATH, _payload(world, clinic, monday, **bad))
    assert response.status_code == 422
    assert not AppointmentSeries.objects.exists()


def test_another_organisations_patient_type_or_practitioner_is_404(world, client, monday):
    clinic_a = clinic_create(world.unit_a)
    clinic_create(world.unit_b)
    b = ApiClient(client, world.member(Role.SECRETARY, unit=world.unit_b))
    payload = _payload(world, clinic_a, monday)
    for field in ("patient", "appointment_type", "practitioner"):
        foreign = b.post(PATH, payload)
        missing = b.post(PATH, payload | {field: MISSING})
        assert foreign.status_code == 404
        same_answer(foreign, missing)
    assert not AppointmentSeries.objects.exists()
    assert not Appointment.objects.exists()
    assert not AccessLogEntry.objects.filter(patient_id=world.patient_a.public_id).exists()
