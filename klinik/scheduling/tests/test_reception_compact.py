"""The compact reception board: one row per appointment with one primary action, the default
for a large unit's day; its filters; the community's shared board of every clinic; and the
board's queries, which do not grow with its rows."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.tests.factories import UnitFactory
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.choices import AppointmentStatus, Attendance
from klinik.scheduling.models import Appointment, AppointmentType
from klinik.scheduling.reception import selectors
from klinik.scheduling.tests.factories import at, clinic_create, next_workday
from klinik.scheduling.transitions import appointment_set_status

S = AppointmentStatus
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def day():
    return next_workday()


@pytest.fixture
def clock(clock, day):
    """Reception works on today: today is a working day, at a known time."""
    clock.set(at(day, 7, 45))
    return clock


@pytest.fixture
def desk(client, login_as, world, clock):
    login_as(world.member(Role.SECRETARY))
    return client


def _book(actor, patient, kind, start, **kw):
    return appointment_book(actor=actor, patient=patient, appointment_type=kind, start=start, **kw)


def _board_url(unit):
    return f"/reception/{unit.public_id}/"


def _row(page: str, appointment: Appointment) -> str:
    row = page[page.index(f'id="row-{appointment.public_id}"') :]
    return row[: row.index("</tr>")]


def _primary(row: str) -> tuple[str, str]:
    """The row's primary action: (status it sets, its label)."""
    found = re.search(r'value="([a-z_]+)" data-primary[^>]*>([^<]+)</button>', row)
    assert found, row
    return found.group(1), found.group(2)


def _status(appointment: Appointment) -> str:
    appointment.refresh_from_db()
    return appointment.status


def test_a_large_units_day_opens_as_the_compact_table_a_small_one_as_cards(
    world, clinic, actor, desk, day, monkeypatch
):
    _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    _book(actor, world.patient_a2, clinic.phone, at(day, 9, 30))
    monkeypatch.setattr(selectors, "COMPACT_FROM", 2)
    page = desk.get(_board_url(world.unit_a)).content.decode()
    assert 'class="lanes"' in page and "board-table" not in page

    monkeypatch.setattr(selectors, "COMPACT_FROM", 1)
    page = desk.get(_board_url(world.unit_a)).content.decode()
    assert 'class="board-table compact"' in page
    assert 'data-group="time"' in page and "?group=time" in page  # the poll keeps it
    # The choice in the URL wins either way.
    page = desk.get(_board_url(world.unit_a) + "?group=status").content.decode()
    assert 'class="lanes"' in page


def test_each_row_offers_one_next_step_and_remote_consultations_never_arrive(
    world, clinic, actor, desk, day
):
    clinic.phone.attendance = Attendance.PHONE
    clinic.phone.save()
    video = AppointmentType.objects.create(
        organisation_id=world.org_a.pk,
        unit=world.unit_a,
        name="Videokonsultation",
        duration_minutes=10,
        attendance=Attendance.VIDEO,
    )
    visit = _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    call = _book(actor, world.patient_a2, clinic.phone, at(day, 9, 30))
    screen = _book(actor, PatientFactory(unit=world.unit_a), video, at(day, 10))
    waiting = _book(actor, PatientFactory(unit=world.unit_a), clinic.consultation, at(day, 10, 30))
    appointment_set_status(actor=actor, appointment=waiting, status=S.ARRIVED)
    seen = _book(actor, PatientFactory(unit=world.unit_a), clinic.consultation, at(day, 13))
    appointment_set_status(actor=actor, appointment=seen, status=S.IN_PROGRESS)
    done = _book(actor, PatientFactory(unit=world.unit_a), clinic.consultation, at(day, 13, 30))
    appointment_set_status(actor=actor, appointment=done, status=S.IN_PROGRESS)
    appointment_set_status(actor=actor, appointment=done, status=S.FINISHED)

    page = desk.get(_board_url(world.unit_a) + "?group=time").content.decode()

    assert _primary(_row(page, visit)) == (S.ARRIVED, "Ankommet")
    call_row = _row(page, call)
    assert _primary(call_row)[0] == S.IN_PROGRESS and 'value="arrived"' not in call_row
    assert _primary(_row(page, screen))[0] == S.IN_PROGRESS
    # The labels say what the desk does (msgids until the catalogue has them).
    assert _primary(call_row)[1] in ("Call", "Ring op")
    assert _primary(_row(page, screen))[1] == "Start video"
    assert _primary(_row(page, waiting))[0] == S.IN_PROGRESS
    assert _primary(_row(page, seen))[0] == S.FINISHED
    assert "data-primary" not in _row(page, done)
    # One visible button per row; the other one-key actions are there, hidden.
    visit_row = _row(page, visit)
    assert visit_row.count("<button") == 3 and visit_row.count(" hidden>") == 2
    # Age in its own column.
    assert re.search(r'<td class="age">\d+</td>', visit_row)


def test_enter_posts_the_primary_action_and_the_table_comes_back(world, clinic, actor, desk, day):
    visit = _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    url = f"{_board_url(world.unit_a)}appointments/{visit.public_id}/status/"
    response = desk.post(url, {"status": S.ARRIVED, "seen": S.BOOKED, "group": "time"}, **HX)
    assert response.status_code == 200
    assert _status(visit) == S.ARRIVED
    body = response.content.decode()
    assert 'class="board-table compact"' in body
    assert _primary(_row(body, visit))[0] == S.IN_PROGRESS


def test_filters_by_status_and_type_keep_in_polls_and_actions(world, clinic, actor, desk, day):
    visit = _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    call = _book(actor, world.patient_a2, clinic.phone, at(day, 9, 30))
    arrived = _book(actor, PatientFactory(unit=world.unit_a), clinic.consultation, at(day, 10))
    appointment_set_status(actor=actor, appointment=arrived, status=S.ARRIVED)
    base = _board_url(world.unit_a) + "?group=time"

    page = desk.get(base + "&show=arrived").content.decode()
    assert f'id="row-{arrived.public_id}"' in page
    assert f'id="row-{visit.public_id}"' not in page and f'id="row-{call.public_id}"' not in page
    assert "show=arrived" in page[page.index('id="board"') :][:600]  # the poll URL
    assert '<option value="arrived" selected>' in page

    page = desk.get(base + f"&type={clinic.phone.public_id}").content.decode()
    assert f'id="row-{call.public_id}"' in page
    assert f'id="row-{visit.public_id}"' not in page
    assert f'name="type" value="{clinic.phone.public_id}"' in page  # in the row's form
    # An unknown filter value shows the whole day.
    page = desk.get(base + "&show=everything&type=nonsense").content.decode()
    assert f'id="row-{visit.public_id}"' in page and f'id="row-{call.public_id}"' in page

    # Acting from a filtered board sends the filtered board back: the row now arrived.
    url = f"{_board_url(world.unit_a)}appointments/{visit.public_id}/status/"
    body = desk.post(
        url, {"status": S.ARRIVED, "seen": S.BOOKED, "group": "time", "show": "arrived"}, **HX
    ).content.decode()
    assert _status(visit) == S.ARRIVED
    assert f'id="row-{visit.public_id}"' in body and f'id="row-{call.public_id}"' not in body
    assert 'name="show" value="arrived"' in body


def test_the_board_reads_in_the_same_number_of_queries_for_few_and_many_rows(
    world, clinic, actor, desk, day
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = desk.get(_board_url(world.unit_a) + "?group=time", **HX)
        assert response.status_code == 200
        return len(captured)

    _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    queries()  # the first request after logging in also saves the session
    few = queries()
    patients = [PatientFactory(unit=world.unit_a) for _ in range(6)]
    for i, patient in enumerate(patients):
        kind = clinic.phone if i % 2 else clinic.consultation
        _book(actor, patient, kind, at(day, 13 + i // 2, 30 * (i % 2)))
    many = queries()
    assert many == few
    assert few <= 21  # the same ceiling as the card board's (test_reception)


# The community's shared board -----------------------------------------------------------------


@pytest.fixture
def community(world, actor_for, day):
    """Two clinics of the community with an appointment each; and one outside it."""
    unit_d = UnitFactory(organisation__slug="org-d", organisation__name="Kiro D", name="Kiro")
    unit_d.organisation.community = world.community
    unit_d.organisation.save()
    clinic_c = clinic_create(world.unit_c)
    clinic_d = clinic_create(unit_d)
    clinic_b = clinic_create(world.unit_b)
    patient_d = PatientFactory(unit=unit_d, given_name="Dagny")
    staff_c = actor_for(world.member(Role.THERAPIST, unit=world.unit_c))
    staff_d = actor_for(world.member(Role.THERAPIST, unit=unit_d))
    staff_b = actor_for(world.member(Role.SECRETARY, unit=world.unit_b))
    at_c = _book(staff_c, world.patient_c, clinic_c.consultation, at(day, 9, 30))
    at_d = _book(staff_d, patient_d, clinic_d.consultation, at(day, 9))
    at_b = _book(staff_b, world.patient_b, clinic_b.consultation, at(day, 9))
    return unit_d, at_c, at_d, at_b


def test_a_community_receptionist_sees_every_clinic_in_one_table_labelled_and_logged_per_clinic(
    world, community, client, login_as, clock
):
    unit_d, at_c, at_d, at_b = community
    login_as(world.community_member())
    before = AccessLogEntry.objects.filter(object_type="schedule").count()

    page = client.get("/reception/community/").content.decode()

    assert 'class="board-table compact"' in page
    # By time across the clinics, each row labelled with its clinic.
    assert page.index(f'id="row-{at_d.public_id}"') < page.index(f'id="row-{at_c.public_id}"')
    assert "Kiro D · Kiro" in _row(page, at_d)
    assert "Fysio C · Fysio" in _row(page, at_c)
    # Each row acts on its own clinic's board.
    assert f"/reception/{unit_d.public_id}/appointments/{at_d.public_id}/status/" in page
    assert f"/reception/{world.unit_c.public_id}/appointments/{at_c.public_id}/status/" in page
    # Nothing of a clinic outside the community.
    assert str(at_b.public_id) not in page and world.patient_b.name not in page
    # One schedule read per clinic, filed under the clinic's organisation.
    logged = AccessLogEntry.objects.filter(object_type="schedule").order_by("seq")[before:]
    assert sorted(e.organisation_id for e in logged) == sorted(
        [world.unit_c.organisation_id, unit_d.organisation_id]
    )

    # An action from the shared board changes that clinic's appointment, and the shared
    # board comes back.
    url = f"/reception/{unit_d.public_id}/appointments/{at_d.public_id}/status/"
    body = client.post(
        url, {"status": S.ARRIVED, "seen": S.BOOKED, "group": "time", "community": "1"}, **HX
    ).content.decode()
    assert _status(at_d) == S.ARRIVED
    assert f'id="row-{at_c.public_id}"' in body and "/reception/community/?" in body

    # A poll with an unchanged version sends nothing and logs nothing.
    version = re.search(r"v=([0-9a-f]{16})", body).group(1)
    logged = AccessLogEntry.objects.count()
    assert client.get(f"/reception/community/?group=time&v={version}", **HX).status_code == 204
    assert AccessLogEntry.objects.count() == logged


def test_the_community_board_reaches_no_clinic_outside_the_community(
    world, community, client, login_as, clock
):
    _unit_d, _at_c, _at_d, at_b = community
    login_as(world.community_member())
    url = f"/reception/{world.unit_b.public_id}/appointments/{at_b.public_id}/status/"
    response = client.post(
        url, {"status": S.ARRIVED, "seen": S.BOOKED, "group": "time", "community": "1"}, **HX
    )
    assert response.status_code == 404
    assert _status(at_b) == S.BOOKED
    assert client.get(_board_url(world.unit_b)).status_code == 404


def test_a_clinics_own_secretary_sees_only_their_organisation_on_the_shared_board(
    world, community, clinic, actor, desk, day
):
    _unit_d, at_c, at_d, at_b = community
    own = _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    other_unit = clinic_create(world.unit_a2)
    elsewhere = _book(actor, world.patient_a2, other_unit.phone, at(day, 9))
    page = desk.get("/reception/community/").content.decode()
    assert f'id="row-{own.public_id}"' in page and f'id="row-{elsewhere.public_id}"' in page
    for foreign in (at_b, at_c, at_d):
        assert str(foreign.public_id) not in page


def test_one_clinic_alone_has_no_shared_board(world, clinic, client, login_as, clock):
    unit = UnitFactory(name="Eneste")
    login_as(world.member(Role.SECRETARY, unit=unit))
    response = client.get("/reception/community/")
    assert response.status_code == 302
    assert response["Location"] == "/reception/"
