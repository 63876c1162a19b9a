"""Reception: the arrivals board, one-key actions, check-in by CPR (typed or scanned),
contact details confirmed at check-in, the walk-in queue, the waiting-room screen, and who
may see which unit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone, translation
from django.utils.html import escape

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.policy import Perm
from klinik.core.tests.factories import UnitFactory
from klinik.patients.identifiers import IdentifierError
from klinik.patients.models import PatientChange
from klinik.patients.selectors import age_on
from klinik.patients.tests.factories import PatientFactory
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.choices import AppointmentStatus, Attendance
from klinik.scheduling.errors import BookingError
from klinik.scheduling.models import Appointment, AppointmentEvent, AppointmentType
from klinik.scheduling.reception.selectors import (
    RowAction,
    reception_board,
    reception_today,
    row_actions,
)
from klinik.scheduling.reception.services import ReceptionError, parse_scanned, walk_in_register
from klinik.scheduling.selectors import local_day_bounds
from klinik.scheduling.tests.factories import at, clinic_create, next_workday, workday_after
from klinik.scheduling.transitions import appointment_set_status

S = AppointmentStatus
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def day():
    return next_workday()


@pytest.fixture
def clock(clock, day):
    """Reception works on today: today is a working day, at a known time."""
    clock.set(at(day, 8, 30))
    return clock


@pytest.fixture
def secretary(world):
    return world.member(Role.SECRETARY)


@pytest.fixture
def actor(secretary, actor_for):
    return actor_for(secretary)


@pytest.fixture
def desk(client, login_as, secretary, clock):
    login_as(secretary)
    return client


def _book(actor, patient, kind, start, **kw):
    return appointment_book(actor=actor, patient=patient, appointment_type=kind, start=start, **kw)


def _board_url(unit):
    return f"/reception/{unit.public_id}/"


def _status(appointment):
    appointment.refresh_from_db()
    return appointment.status


# The board ------------------------------------------------------------------------------------


def test_board_groups_todays_appointments_by_status_and_logs_the_read(
    world, clinic, actor, desk, day
):
    alma = _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    anker = _book(actor, world.patient_a2, clinic.phone, at(day, 9, 30))
    appointment_set_status(actor=actor, appointment=anker, status=S.ARRIVED)
    tomorrow = _book(actor, world.patient_a, clinic.phone, at(workday_after(day), 9))
    before = AccessLogEntry.objects.filter(object_type="schedule").count()

    page = desk.get(_board_url(world.unit_a)).content.decode()

    expected = page.index('id="lane-booked"')
    arrived = page.index('id="lane-arrived"')
    in_progress = page.index('id="lane-in_progress"')
    assert expected < page.index(f'id="row-{alma.public_id}"') < arrived
    assert arrived < page.index(f'id="row-{anker.public_id}"') < in_progress
    assert str(tomorrow.public_id) not in page
    assert AccessLogEntry.objects.filter(object_type="schedule").count() == before + 1


def test_a_telephone_consultation_is_never_arrived_and_rows_tell_namesakes_apart(
    world, clinic, actor, desk, day
):
    clinic.phone.attendance = Attendance.PHONE
    clinic.phone.save()
    call = _book(actor, world.patient_a, clinic.phone, at(day, 9))
    visit = _book(actor, world.patient_a2, clinic.consultation, at(day, 9, 30))

    page = desk.get(_board_url(world.unit_a)).content.decode()
    call_row = page[page.index(f'id="row-{call.public_id}"') :]
    call_row = call_row[: call_row.index("</li>")]
    visit_row = page[page.index(f'id="row-{visit.public_id}"') :]
    visit_row = visit_row[: visit_row.index("</li>")]
    assert 'value="arrived"' not in call_row
    assert 'value="in_progress"' in call_row  # the call starts straight away
    assert 'value="arrived"' in visit_row
    # Age and the CPR number's last four, for the row under the pointer or the focus.
    patient = world.patient_a
    age = age_on(patient.birth_date, day)
    assert f'<span class="row-identity">{age} år · …{patient.cpr[-4:]}</span>' in call_row

    with pytest.raises(BookingError) as refused:
        appointment_set_status(actor=actor, appointment=call, status=S.ARRIVED)
    assert refused.value.code == "bad_status"
    assert _status(call) == S.BOOKED


def test_board_by_time_lists_every_appointment_in_order(world, clinic, actor, desk, day):
    late = _book(actor, world.patient_a, clinic.phone, at(day, 11))
    early = _book(actor, world.patient_a2, clinic.phone, at(day, 9))
    page = desk.get(_board_url(world.unit_a) + "?group=time").content.decode()
    assert 'class="board-table compact"' in page
    assert page.index(f'row-{early.public_id}"') < page.index(f'row-{late.public_id}"')


def test_board_shows_one_practitioners_rows_and_keeps_the_choice_in_polls_and_actions(
    world, clinic, actor, desk, day
):
    first, second = clinic.doctors
    mine = _book(actor, world.patient_a, clinic.phone, at(day, 9), practitioner=first)
    theirs = _book(actor, world.patient_a2, clinic.phone, at(day, 9), practitioner=second)
    chosen = f"practitioner={first.public_id}"

    page = desk.get(f"{_board_url(world.unit_a)}?{chosen}").content.decode()
    assert f'id="row-{mine.public_id}"' in page
    assert f'id="row-{theirs.public_id}"' not in page
    assert f'<option value="{first.public_id}" selected>' in page
    assert f"?group=status&amp;{chosen}" in page  # the poll asks for the same rows

    url = f"{_board_url(world.unit_a)}appointments/{mine.public_id}/status/"
    board = desk.post(
        url, {"status": S.ARRIVED, "seen": S.BOOKED, "practitioner": str(first.public_id)}, **HX
    ).content.decode()
    assert _status(mine) == S.ARRIVED
    assert f'id="row-{theirs.public_id}"' not in board
    assert f'name="practitioner" value="{first.public_id}"' in board  # in the row's form

    # The walk-in queue is the unit's: it stays whole on one practitioner's board.
    assert _walk_in(desk, world.unit_a, world.patient_a2, clinic.phone).status_code == 200
    walk_in = Appointment.objects.get(queue_number__isnull=False)
    held = {hold.resource_id for hold in walk_in.holds}
    elsewhere = next(d for d in clinic.doctors if d.pk not in held)
    page = desk.get(f"{_board_url(world.unit_a)}?practitioner={elsewhere.public_id}")
    page = page.content.decode()
    queue = page[page.index('class="queue-list"') :]
    assert world.patient_a2.name in queue[: queue.index("</ol>")]
    assert f'id="row-{walk_in.public_id}"' not in page

    # Someone else's practitioner (or none known) shows the whole board.
    whole = desk.get(f"{_board_url(world.unit_a)}?practitioner=nobody").content.decode()
    assert f'id="row-{theirs.public_id}"' in whole
    assert f'id="row-{walk_in.public_id}"' in whole


def test_poll_with_an_unchanged_board_sends_nothing_and_logs_nothing(
    world, clinic, actor, desk, day
):
    appointment = _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    first = desk.get(_board_url(world.unit_a), **HX)
    assert first.status_code == 200
    version = first.context["board"].version
    logged = AccessLogEntry.objects.count()

    same = desk.get(_board_url(world.unit_a) + f"?v={version}", **HX)
    assert same.status_code == 204
    assert AccessLogEntry.objects.count() == logged

    appointment_set_status(actor=actor, appointment=appointment, status=S.ARRIVED)
    changed = desk.get(_board_url(world.unit_a) + f"?v={version}", **HX)
    assert changed.status_code == 200
    assert changed.context["board"].version != version
    assert f'id="row-{appointment.public_id}"' in changed.content.decode()


def test_board_reads_in_a_fixed_number_of_queries(
    world, clinic, actor, desk, day, django_assert_max_num_queries
):
    for minute in range(0, 60, 20):
        _book(actor, world.patient_a, clinic.consultation, at(day, 9, minute))
        _book(actor, world.patient_a2, clinic.phone, at(day, 10, minute))
    # 21: the read's access-log entry takes two statements on PostgreSQL (the head's lock,
    # then entry and head together: ADR 0013).
    with django_assert_max_num_queries(21):
        response = desk.get(_board_url(world.unit_a), **HX)
    assert len(response.context["board"].rows) == 6


def test_one_key_actions_follow_the_day_and_undo_steps_back(world, clinic, actor, desk, day):
    appointment = _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    url = f"{_board_url(world.unit_a)}appointments/{appointment.public_id}/status/"
    for seen, target in [
        (S.BOOKED, S.ARRIVED),
        (S.ARRIVED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.FINISHED),
        (S.FINISHED, S.IN_PROGRESS),  # undo
    ]:
        response = desk.post(url, {"status": target, "seen": seen}, **HX)
        assert response.status_code == 200
        assert _status(appointment) == target
    history = list(
        AppointmentEvent.objects.filter(appointment=appointment, kind="status")
        .order_by("id")
        .values_list("to_status", flat=True)
    )
    assert history == [S.ARRIVED, S.IN_PROGRESS, S.FINISHED, S.IN_PROGRESS]
    appointment.refresh_from_db()
    assert appointment.arrived_at == timezone.now()


def _in(status: str, previous: str = "") -> Appointment:
    kind = AppointmentType(attendance=Attendance.IN_PERSON)
    return Appointment(status=status, previous_status=previous, appointment_type=kind)


def test_actions_offered_match_the_allowed_transitions():
    assert [(a.status, a.key) for a in row_actions(_in(S.BOOKED))] == [
        (S.ARRIVED, "a"),
        (S.IN_PROGRESS, "i"),
        (S.NO_SHOW, "x"),
    ]
    assert [(a.status, a.key) for a in row_actions(_in(S.ARRIVED, S.BOOKED))] == [
        (S.IN_PROGRESS, "i"),
        (S.FINISHED, "f"),
        (S.BOOKED, "z"),
    ]
    # Back from finished is an undo, offered once.
    assert [(a.status, a.key, a.is_undo) for a in row_actions(_in(S.FINISHED, S.IN_PROGRESS))] == [
        (S.IN_PROGRESS, "z", True)
    ]
    assert [a.key for a in row_actions(_in(S.NO_SHOW, S.BOOKED))] == ["a", "z"]
    assert row_actions(_in(S.CANCELLED, S.BOOKED)) == [
        RowAction(S.BOOKED, "Fortryd", "z", is_undo=True)
    ]


def test_undo_goes_back_only_to_a_status_the_appointment_had(
    world, clinic, actor, day, client, secretary, login_as
):
    """Undo returns to the status the last change came from, on the board and in the
    calendar's appointment panel alike. Booked and started at once (no arrival) has no undo:
    it never was "arrived", and started cannot go back to booked."""
    login_as(secretary)

    def undo_on_board(appointment):
        board = reception_board(actor=actor, unit=world.unit_a, day=day)
        row = next(r for r in board.rows if r.id == str(appointment.public_id))
        return [a.status for a in row.actions if a.is_undo]

    def undo_in_panel(appointment):
        url = f"/calendar/appointments/{appointment.public_id}/"
        body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
        undo = body.split('class="status-button undo"', 1)[0].rsplit('name="status" value="', 1)
        return [undo[1].split('"', 1)[0]] if 'class="status-button undo"' in body else []

    started = _book(actor, world.patient_a, clinic.phone, at(day, 9))
    appointment_set_status(actor=actor, appointment=started, status=S.IN_PROGRESS)
    assert undo_on_board(started) == undo_in_panel(started) == []
    walked = _book(actor, world.patient_a2, clinic.phone, at(day, 10))
    assert undo_on_board(walked) == undo_in_panel(walked) == []  # nothing to undo yet
    appointment_set_status(actor=actor, appointment=walked, status=S.ARRIVED)
    appointment_set_status(actor=actor, appointment=walked, status=S.IN_PROGRESS)
    assert undo_on_board(walked) == undo_in_panel(walked) == [S.ARRIVED]


def test_an_action_on_a_stale_board_changes_nothing(world, clinic, actor, desk, day):
    appointment = _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    appointment_set_status(actor=actor, appointment=appointment, status=S.ARRIVED)
    url = f"{_board_url(world.unit_a)}appointments/{appointment.public_id}/status/"
    # The board still showed it as booked: "no-show" must not land on an arrived patient.
    response = desk.post(url, {"status": S.NO_SHOW, "seen": S.BOOKED}, **HX)
    assert response.status_code == 422
    with translation.override("da"):
        assert escape(str(ReceptionError.STALE)) in response.content.decode()
    assert _status(appointment) == S.ARRIVED


def test_a_refused_transition_is_shown_and_changes_nothing(world, clinic, actor, desk, day):
    appointment = _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    url = f"{_board_url(world.unit_a)}appointments/{appointment.public_id}/status/"
    response = desk.post(url, {"status": S.FINISHED}, **HX)
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert _status(appointment) == S.BOOKED


def test_today_is_the_danish_calendar_day_also_around_midnight_and_on_dst_days(clock):
    # 23:30 UTC on the last Saturday of March is already Sunday in Copenhagen; the night
    # the clocks go forward, 01:30 UTC is 03:30 local time, still that Sunday.
    clock.set(datetime(2026, 3, 28, 23, 30, tzinfo=UTC))
    assert reception_today() == date(2026, 3, 29)
    clock.set(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    assert reception_today() == date(2026, 3, 29)
    clock.set(datetime(2026, 10, 24, 22, 30, tzinfo=UTC))  # 00:30 CEST on the autumn Sunday
    assert reception_today() == date(2026, 10, 25)
    start, end = local_day_bounds(date(2026, 3, 29))
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)  # the short day


# Check-in -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0707614285", "0707614285"),
        ("070761-4285", "0707614285"),
        (" 070761 4285\n", "0707614285"),
        ("%0707614285?", "0707614285"),  # a reader's start and end sentinels
        ("CPR:070761-4285", "0707614285"),
    ],
)
def test_scanned_or_typed_numbers_are_understood(typed, expected):
    assert parse_scanned(typed) == expected


@pytest.mark.parametrize("typed", ["12345", "07076142851234", "3102001234", ""])
def test_numbers_that_are_no_cpr_number_are_refused(typed):
    with pytest.raises(IdentifierError):
        parse_scanned(typed)


def test_check_in_by_scanned_cpr_marks_the_appointment_arrived_and_shows_contact_details(
    world, clinic, actor, desk, day
):
    patient = world.patient_a
    patient.phone = "22334455"
    patient.email = "alma@example.org"
    patient.save()
    appointment = _book(actor, patient, clinic.consultation, at(day, 9))
    logged = AccessLogEntry.objects.filter(patient_id=patient.public_id, action="view").count()

    response = desk.post(
        f"{_board_url(world.unit_a)}check-in/",
        {"identifier": patient.cpr_display},
        **HX,
    )

    assert response.status_code == 200
    assert response["HX-Trigger"] == "reception-changed"
    body = response.content.decode()
    assert 'data-outcome="arrived"' in body
    assert patient.name in body
    assert 'value="22334455"' in body and 'value="alma@example.org"' in body
    appointment.refresh_from_db()
    assert appointment.status == S.ARRIVED
    assert appointment.arrived_at == timezone.now()
    assert (
        AccessLogEntry.objects.filter(patient_id=patient.public_id, action="view").count()
        == logged + 1
    )
    # Scanning the card again does not change anything: already checked in.
    again = desk.post(
        f"{_board_url(world.unit_a)}check-in/", {"identifier": patient.cpr}, **HX
    ).content.decode()
    assert 'data-outcome="already_arrived"' in again
    assert AppointmentEvent.objects.filter(appointment=appointment, kind="status").count() == 1


def test_check_in_takes_the_first_waiting_appointment_of_the_day(world, clinic, actor, desk, day):
    first = _book(actor, world.patient_a, clinic.phone, at(day, 9))
    second = _book(actor, world.patient_a, clinic.phone, at(day, 14))
    desk.post(f"{_board_url(world.unit_a)}check-in/", {"identifier": world.patient_a.cpr}, **HX)
    assert (_status(first), _status(second)) == (S.ARRIVED, S.BOOKED)


def test_check_in_without_an_appointment_today_offers_the_walk_in_queue(
    world, clinic, actor, desk, day
):
    _book(actor, world.patient_a, clinic.phone, at(workday_after(day), 9))  # another day
    body = desk.post(
        f"{_board_url(world.unit_a)}check-in/", {"identifier": world.patient_a.cpr}, **HX
    ).content.decode()
    assert 'data-outcome="no_appointment"' in body
    assert f'name="patient" value="{world.patient_a.public_id}"' in body
    assert f'value="{clinic.phone.public_id}"' in body
    assert not Appointment.objects.filter(status=S.ARRIVED).exists()


def test_check_in_finds_no_appointment_in_another_unit(world, clinic, actor, desk, day):
    other = clinic_create(world.unit_a2)
    appointment = _book(actor, world.patient_a2, other.phone, at(day, 9))
    body = desk.post(
        f"{_board_url(world.unit_a)}check-in/", {"identifier": world.patient_a2.cpr}, **HX
    ).content.decode()
    assert 'data-outcome="no_appointment"' in body
    assert _status(appointment) == S.BOOKED


@pytest.mark.parametrize(
    ("typed", "outcome"), [("abc", "invalid"), ("12", "invalid"), (None, "not_found")]
)
def test_check_in_of_unknown_or_malformed_numbers_changes_nothing(
    world, clinic, actor, desk, day, typed, outcome
):
    appointment = _book(actor, world.patient_a, clinic.phone, at(day, 9))
    # A patient of organisation B is unknown here.
    typed = typed or world.patient_b.cpr
    body = desk.post(
        f"{_board_url(world.unit_a)}check-in/", {"identifier": typed}, **HX
    ).content.decode()
    assert f'data-outcome="{outcome}"' in body
    assert world.patient_b.name not in body
    assert _status(appointment) == S.BOOKED


def test_check_in_without_htmx_renders_the_whole_page(world, clinic, actor, desk, day):
    appointment = _book(actor, world.patient_a, clinic.phone, at(day, 9))
    response = desk.post(
        f"{_board_url(world.unit_a)}check-in/", {"identifier": world.patient_a.cpr}
    )
    assert response.status_code == 200
    assert 'id="board"' in response.content.decode()
    assert _status(appointment) == S.ARRIVED


# Contact details confirmed at check-in -------------------------------------------------------


def test_confirming_contact_details_is_recorded_and_a_correction_kept_with_history(
    world, clinic, actor, desk, day
):
    patient = world.patient_a
    patient.phone = "22334455"
    patient.save()
    appointment = _book(actor, patient, clinic.phone, at(day, 9))
    url = f"{_board_url(world.unit_a)}appointments/{appointment.public_id}/contact/"
    form = {"phone": "22334455", "email": "", "address_line": "", "postal_code": "", "city": ""}

    unchanged = desk.post(url, form, **HX)
    assert unchanged.status_code == 200
    assert not PatientChange.objects.filter(patient=patient).exists()
    assert AppointmentEvent.objects.filter(appointment=appointment, kind="contact_checked").count()

    corrected = desk.post(url, form | {"phone": "+45 55 66 77 88", "city": "Aarhus C"}, **HX)
    assert corrected.status_code == 200
    patient.refresh_from_db()
    assert (patient.phone, patient.city) == ("55667788", "Aarhus C")
    assert set(PatientChange.objects.filter(patient=patient).values_list("field", flat=True)) == {
        "phone",
        "city",
    }
    events = AppointmentEvent.objects.filter(appointment=appointment, kind="contact_checked")
    assert events.count() == 2
    # The appointment's history says it in words, not as the stored kind.
    panel = desk.get(
        f"/calendar/appointments/{appointment.public_id}/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="cal-panel",
    ).content.decode()
    history = panel[panel.index('class="appt-history"') :]
    assert history.count("Kontaktoplysninger bekræftet ved ankomst") == 2
    assert "contact_checked" not in history
    assert AccessLogEntry.objects.filter(
        patient_id=patient.public_id, object_type="patient_contact"
    ).exists()


def test_an_invalid_correction_is_shown_at_the_field_and_nothing_is_recorded(
    world, clinic, actor, desk, day
):
    appointment = _book(actor, world.patient_a, clinic.phone, at(day, 9))
    url = f"{_board_url(world.unit_a)}appointments/{appointment.public_id}/contact/"
    response = desk.post(url, {"phone": "12", "email": "not-an-address"}, **HX)
    assert response.status_code == 422
    body = response.content.decode()
    assert 'aria-invalid="true"' in body
    world.patient_a.refresh_from_db()
    assert world.patient_a.phone != "12"
    assert not AppointmentEvent.objects.filter(kind="contact_checked").exists()


def test_a_protected_address_is_neither_shown_nor_changed_at_the_desk(
    world, clinic, actor, desk, day
):
    patient = world.patient_a
    patient.is_address_protected = True
    patient.address_line = "Hemmelig Allé 7"
    patient.save()
    appointment = _book(actor, patient, clinic.phone, at(day, 9))
    body = desk.post(
        f"{_board_url(world.unit_a)}check-in/", {"identifier": patient.cpr}, **HX
    ).content.decode()
    assert "Hemmelig" not in body
    desk.post(
        f"{_board_url(world.unit_a)}appointments/{appointment.public_id}/contact/",
        {"phone": "", "email": "", "address_line": "Ny Vej 1"},
        **HX,
    )
    patient.refresh_from_db()
    assert patient.address_line == "Hemmelig Allé 7"


# Walk-ins and the waiting room ----------------------------------------------------------------


def _walk_in(client, unit, patient, kind):
    return client.post(
        f"{_board_url(unit)}walk-in/",
        {"patient": str(patient.public_id), "type": str(kind.public_id)},
        **HX,
    )


def test_walk_ins_get_increasing_queue_numbers_per_unit_and_day(
    world, clinic, actor, desk, day, clock
):
    clock.set(at(day, 10, 2))
    other = PatientFactory(unit=world.unit_a, given_name="Ingrid")
    first = _walk_in(desk, world.unit_a, world.patient_a, clinic.phone)
    assert first.status_code == 200, first.content
    assert first["HX-Trigger"] == "reception-changed"
    second = _walk_in(desk, world.unit_a, other, clinic.phone)
    assert second.status_code == 200
    walk_ins = Appointment.objects.filter(queue_number__isnull=False).order_by("queue_number")
    assert [(a.patient_id, a.queue_number) for a in walk_ins] == [
        (world.patient_a.pk, 1),
        (other.pk, 2),
    ]
    assert all(a.status == S.ARRIVED and a.is_overbooked for a in walk_ins)
    assert walk_ins[0].start == at(day, 10, 3)

    # The same patient twice is refused; the next day starts again at 1.
    again = _walk_in(desk, world.unit_a, world.patient_a, clinic.phone)
    assert again.status_code == 422
    assert Appointment.objects.filter(queue_number__isnull=False).count() == 2
    next_day = workday_after(day)
    clock.set(at(next_day, 10))
    tomorrow = walk_in_register(
        actor=actor,
        unit=world.unit_a,
        patient_public_id=world.patient_a.public_id,
        appointment_type_public_id=clinic.phone.public_id,
    )
    assert tomorrow.queue_number == 1

    # The board lists the day's queue in order.
    clock.set(at(day, 10, 30))
    board = desk.get(_board_url(world.unit_a)).content.decode()
    queue = board[board.index('class="queue-list"') :]
    assert queue.index(world.patient_a.name) < queue.index(other.name)


def test_walk_in_queue_numbers_are_kept_apart_per_unit(world, clinic, actor_for, day, clock):
    clock.set(at(day, 10))
    other_unit = clinic_create(world.unit_a2)
    secretary_a2 = actor_for(world.member(Role.SECRETARY, unit=world.unit_a2))
    secretary_a = actor_for(world.member(Role.SECRETARY))
    a = walk_in_register(
        actor=secretary_a,
        unit=world.unit_a,
        patient_public_id=world.patient_a.public_id,
        appointment_type_public_id=clinic.phone.public_id,
    )
    b = walk_in_register(
        actor=secretary_a2,
        unit=world.unit_a2,
        patient_public_id=world.patient_a2.public_id,
        appointment_type_public_id=other_unit.phone.public_id,
    )
    assert (a.queue_number, b.queue_number) == (1, 1)


def test_a_walk_in_outside_opening_hours_is_refused_with_the_reason(
    world, clinic, desk, day, clock
):
    clock.set(at(day, 18))
    response = _walk_in(desk, world.unit_a, world.patient_a, clinic.phone)
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_walk_in_of_another_organisations_patient_is_not_found(world, clinic, desk, day, clock):
    clock.set(at(day, 10))
    response = _walk_in(desk, world.unit_a, world.patient_b, clinic.phone)
    assert response.status_code == 404
    assert not Appointment.objects.exists()


def test_walk_in_search_is_posted_and_offers_the_queue(world, clinic, desk):
    response = desk.post(
        f"{_board_url(world.unit_a)}walk-in/search/", {"q": world.patient_a.cpr}, **HX
    )
    body = response.content.decode()
    assert world.patient_a.name in body
    assert f'name="patient" value="{world.patient_a.public_id}"' in body
    assert response.wsgi_request.get_full_path() == f"{_board_url(world.unit_a)}walk-in/search/"


def test_the_waiting_room_shows_queue_numbers_and_nothing_that_identifies_anyone(
    world, clinic, actor, desk, day, clock
):
    clock.set(at(day, 10))
    booked = _book(actor, world.patient_a2, clinic.phone, at(day, 10, 30))
    appointment_set_status(actor=actor, appointment=booked, status=S.ARRIVED)
    other = PatientFactory(unit=world.unit_a, given_name="Ingrid", family_name="Østergård")
    _walk_in(desk, world.unit_a, world.patient_a, clinic.phone)
    _walk_in(desk, world.unit_a, other, clinic.phone)
    first = Appointment.objects.get(queue_number=1)
    appointment_set_status(actor=actor, appointment=first, status=S.IN_PROGRESS)
    logged = AccessLogEntry.objects.count()

    url = f"{_board_url(world.unit_a)}waiting-room/"
    page = desk.get(url)
    partial = desk.get(url, **HX)

    for response in (page, partial):
        assert response.status_code == 200
        room = response.context["room"]
        assert (room.called, room.waiting) == ([1], [2])
        body = response.content.decode()
        for patient in (world.patient_a, world.patient_a2, other):
            for secret in (
                patient.given_name,
                patient.family_name,
                patient.cpr,
                patient.cpr_display,
                str(patient.public_id),
                f"{patient.given_name[0]}.{patient.family_name[0]}.",
            ):
                assert secret not in body
        assert "topbar" not in body
    assert AccessLogEntry.objects.count() == logged


# Who sees which unit --------------------------------------------------------------------------


def test_another_organisations_unit_and_appointments_are_not_found(
    world, actor_for, desk, day, clock
):
    clinic_b = clinic_create(world.unit_b)
    actor_b = actor_for(world.member(Role.SECRETARY, unit=world.unit_b))
    appointment = _book(actor_b, world.patient_b, clinic_b.phone, at(day, 9))
    assert desk.get(_board_url(world.unit_b)).status_code == 404
    assert desk.get(f"{_board_url(world.unit_b)}waiting-room/").status_code == 404
    own = clinic_create(world.unit_a)
    assert own  # the secretary's unit has a schedule too
    # Posting to the foreign appointment through the secretary's own unit: not found.
    url = f"{_board_url(world.unit_a)}appointments/{appointment.public_id}/status/"
    assert desk.post(url, {"status": S.ARRIVED}, **HX).status_code == 404
    assert (
        desk.post(
            f"{_board_url(world.unit_b)}check-in/", {"identifier": world.patient_b.cpr}, **HX
        ).status_code
        == 404
    )
    assert _status(appointment) == S.BOOKED
    home = desk.get("/reception/")
    assert home.status_code == 302
    assert home["Location"] == _board_url(world.unit_a)


def test_another_units_appointment_cannot_be_changed_through_this_units_board(
    world, clinic, actor, desk, day
):
    other = clinic_create(world.unit_a2)
    appointment = _book(actor, world.patient_a2, other.phone, at(day, 9))
    url = f"{_board_url(world.unit_a)}appointments/{appointment.public_id}/status/"
    assert desk.post(url, {"status": S.ARRIVED}, **HX).status_code == 404
    assert _status(appointment) == S.BOOKED


def test_a_manager_sees_the_board_but_cannot_act(
    world, clinic, actor, client, login_as, day, clock
):
    appointment = _book(actor, world.patient_a, clinic.phone, at(day, 9))
    login_as(world.member(Role.MANAGER))
    page = client.get(_board_url(world.unit_a)).content.decode()
    assert f'id="row-{appointment.public_id}"' in page
    assert "row-actions" not in page
    assert 'id="check-in-identifier"' not in page
    url = f"{_board_url(world.unit_a)}appointments/{appointment.public_id}/status/"
    assert client.post(url, {"status": S.ARRIVED}, **HX).status_code == 403
    assert _status(appointment) == S.BOOKED


def test_a_community_receptionist_works_every_clinic_of_the_community_and_no_other(
    world, client, login_as, actor_for, day, clock
):
    org_d_unit = UnitFactory(organisation__slug="org-d", organisation__name="Kiro D", name="Kiro")
    org_d_unit.organisation.community = world.community
    org_d_unit.organisation.save()
    clinic_c = clinic_create(world.unit_c)
    clinic_d = clinic_create(org_d_unit)
    patient_d = PatientFactory(unit=org_d_unit, given_name="Dagny")
    staff_c = actor_for(world.member(Role.THERAPIST, unit=world.unit_c))
    staff_d = actor_for(world.member(Role.THERAPIST, unit=org_d_unit))
    at_c = _book(staff_c, world.patient_c, clinic_c.phone, at(day, 9))
    at_d = _book(staff_d, patient_d, clinic_d.phone, at(day, 9))
    membership = world.community_member()
    receptionist = actor_for(membership)
    login_as(membership)

    chooser = client.get("/reception/").content.decode()
    assert _board_url(world.unit_c) in chooser and _board_url(org_d_unit) in chooser
    assert _board_url(world.unit_a) not in chooser and _board_url(world.unit_b) not in chooser

    for unit, patient, appointment in (
        (world.unit_c, world.patient_c, at_c),
        (org_d_unit, patient_d, at_d),
    ):
        board = client.get(_board_url(unit)).content.decode()
        assert patient.name in board
        body = client.post(
            f"{_board_url(unit)}check-in/", {"identifier": patient.cpr}, **HX
        ).content.decode()
        assert 'data-outcome="arrived"' in body
        # Contact details are shown to confirm, but the community reception corrects nothing.
        assert 'name="phone"' not in body
        assert _status(appointment) == S.ARRIVED
        entry = AccessLogEntry.objects.filter(patient_id=patient.public_id, action="view").latest(
            "seq"
        )
        assert entry.organisation_id == unit.organisation_id

    # At one clinic's desk, the other clinics' patients are not found.
    hits = client.post(
        f"{_board_url(world.unit_c)}walk-in/search/", {"q": patient_d.cpr}, **HX
    ).content.decode()
    assert patient_d.name not in hits
    assert client.get(_board_url(world.unit_a)).status_code == 404
    # The shared reception never reaches records.
    assert not receptionist.can(Perm.RECORD_READ)
    assert not receptionist.can(Perm.PATIENT_EDIT)
    assert "/journal" not in board and "/records/" not in board
