"""Booking rules: hours, holidays, buffers, the past, double booking, status history,
series and group sessions (the waiting list: test_waitlist.py)."""

from datetime import date, time, timedelta

import holidays
import pytest
from django.db import connection

from klinik.core.choices import Role
from klinik.scheduling.booking import appointment_book, appointment_move
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.errors import BookingError
from klinik.scheduling.models import Absence, AppointmentEvent, AppointmentResource, UnitSchedule
from klinik.scheduling.series import (
    SeriesRule,
    SeriesScope,
    series_book,
    series_cancel,
    series_plan,
)
from klinik.scheduling.slots import find_slots
from klinik.scheduling.tests.factories import at, next_workday
from klinik.scheduling.transitions import appointment_cancel, appointment_set_status


def _book(actor, patient, kind, start, **kw):
    return appointment_book(actor=actor, patient=patient, appointment_type=kind, start=start, **kw)


def test_book_holds_doctor_and_room_with_buffer(world, clinic, actor):
    day = next_workday()
    appointment = _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    assert appointment.end == at(day, 9, 15)
    assert appointment.block_end == at(day, 9, 20)
    holds = AppointmentResource.objects.filter(appointment=appointment)
    assert {h.resource.kind for h in holds} == {"practitioner", "room"}
    assert AppointmentEvent.objects.get(appointment=appointment).to_status == "booked"


def test_the_same_time_takes_the_next_free_doctor_until_the_room_runs_out(world, clinic, actor):
    day = next_workday()
    _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    # One room: a second consultation at 9:10 overlaps the room's buffer.
    with pytest.raises(BookingError) as exc:
        _book(actor, world.patient_a2, clinic.consultation, at(day, 9, 10))
    assert exc.value.code == "taken"
    assert exc.value.alternatives, "a refusal offers the next free times"
    assert all(slot.start >= at(day, 7) for slot in exc.value.alternatives)
    # The buffer is respected: 9:20 is free again.
    _book(actor, world.patient_a2, clinic.consultation, at(day, 9, 20))
    # A phone consultation needs only a doctor: the second doctor takes it at 9:00.
    phone = _book(actor, world.patient_a2, clinic.phone, at(day, 9))
    assert phone.resource_holds.get().resource == clinic.doctors[1]


@pytest.mark.parametrize(
    ("when", "code"),
    [
        (lambda day: at(day, 7, 30), "outside_hours"),
        (lambda day: at(day, 12, 10), "outside_hours"),  # lunch break
        (lambda day: at(day, 15, 50), "outside_hours"),  # would end after closing
        (lambda day: at(day - timedelta(days=30), 9), "past"),
    ],
)
def test_refused_times(world, clinic, actor, when, code):
    with pytest.raises(BookingError) as exc:
        _book(actor, world.patient_a, clinic.consultation, when(next_workday()))
    assert exc.value.code == code
    assert not AppointmentResource.objects.exists()


def _next_weekday_date(month: int, day: int, *, public_holidays: int) -> date:
    """The next `day`.`month` after today that falls on a weekday and is that many public
    holidays, no more (Grundlovsdag 2028 is also Whit Monday)."""
    today = date.today()  # noqa: DTZ011  (the suite's clock, a calendar day)
    for year in range(today.year, today.year + 12):
        candidate = date(year, month, day)
        public = holidays.country_holidays("DK", years=[year]).get_list(candidate)
        if candidate > today and candidate.weekday() < 5 and len(public) == public_holidays:
            return candidate
    raise AssertionError("no such weekday within twelve years")


def test_public_holidays_are_closed_by_default(world, clinic, actor):
    christmas = _next_weekday_date(12, 25, public_holidays=1)
    with pytest.raises(BookingError) as exc:
        _book(actor, world.patient_a, clinic.consultation, at(christmas, 9))
    assert exc.value.code == "closed"
    assert "Juledag" in exc.value.message or "Christmas" in exc.value.message
    assert holidays.country_holidays("DK", years=[christmas.year]).get(christmas)


def test_optional_days_close_only_when_the_unit_says_so(world, clinic, actor):
    grundlovsdag = _next_weekday_date(6, 5, public_holidays=0)
    _book(actor, world.patient_a, clinic.phone, at(grundlovsdag, 9))
    UnitSchedule.objects.filter(unit=clinic.unit).update(closed_optional_days=["Grundlovsdag"])
    with pytest.raises(BookingError) as exc:
        _book(actor, world.patient_a2, clinic.phone, at(grundlovsdag, 10))
    assert exc.value.code == "closed"


def test_absence_blocks_the_resource(world, clinic, actor):
    day = next_workday()
    Absence.objects.create(
        organisation_id=world.org_a.pk,
        unit=clinic.unit,
        resource=clinic.doctors[0],
        kind="vacation",
        start=at(day, 0),
        end=at(day + timedelta(days=1), 0),
    )
    appointment = _book(actor, world.patient_a, clinic.phone, at(day, 9))
    assert appointment.resource_holds.get().resource == clinic.doctors[1]
    with pytest.raises(BookingError):
        _book(actor, world.patient_a, clinic.phone, at(day, 9, 30), practitioner=clinic.doctors[0])


def test_type_of_another_organisation_is_not_offered(world, clinic, actor_for):
    other = actor_for(world.member(Role.SECRETARY, unit=world.unit_b))
    with pytest.raises(BookingError) as exc:
        _book(other, world.patient_b, clinic.consultation, at(next_workday(), 9))
    assert exc.value.code == "not_offered"


def test_overbooking_only_by_explicit_choice(world, clinic, actor):
    day = next_workday()
    _book(actor, world.patient_a, clinic.phone, at(day, 9), practitioner=clinic.doctors[0])
    with pytest.raises(BookingError):
        _book(actor, world.patient_a2, clinic.phone, at(day, 9), practitioner=clinic.doctors[0])
    squeezed = _book(
        actor,
        world.patient_a2,
        clinic.phone,
        at(day, 9),
        practitioner=clinic.doctors[0],
        overbook=True,
    )
    assert squeezed.is_overbooked


def test_move_frees_the_old_time(world, clinic, actor):
    day = next_workday()
    appointment = _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    appointment_move(actor=actor, appointment=appointment, start=at(day, 10))
    _book(actor, world.patient_a2, clinic.consultation, at(day, 9))
    kinds = list(
        AppointmentEvent.objects.filter(appointment=appointment)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["booked", "moved"]


def test_cancel_needs_a_reason_and_frees_the_time(world, clinic, actor):
    day = next_workday()
    appointment = _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    with pytest.raises(BookingError):
        appointment_cancel(actor=actor, appointment=appointment, reason=" ")
    appointment_cancel(actor=actor, appointment=appointment, reason="Patienten er syg")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancel_reason == "Patienten er syg"
    _book(actor, world.patient_a2, clinic.consultation, at(day, 9))


def test_a_wrong_no_show_can_be_undone_and_history_keeps_both(world, clinic, actor):
    appointment = _book(actor, world.patient_a, clinic.phone, at(next_workday(), 9))
    appointment_set_status(actor=actor, appointment=appointment, status=AppointmentStatus.NO_SHOW)
    appointment_set_status(
        actor=actor,
        appointment=appointment,
        status=AppointmentStatus.ARRIVED,
        reason="Sad i venteværelset",
    )
    events = list(
        AppointmentEvent.objects.filter(appointment=appointment, kind="status")
        .order_by("id")
        .values_list("from_status", "to_status")
    )
    assert events == [("booked", "no_show"), ("no_show", "arrived")]
    with pytest.raises(BookingError):
        appointment_set_status(
            actor=actor, appointment=appointment, status=AppointmentStatus.NO_SHOW
        )


def test_slot_search_finds_times_where_every_resource_is_free(world, clinic, actor):
    day = next_workday()
    _book(actor, world.patient_a, clinic.consultation, at(day, 8))
    slots = find_slots(
        appointment_type=clinic.consultation, start=at(day, 8), end=at(day, 16), limit=3
    )
    assert [s.start for s in slots] == [at(day, 8, 20), at(day, 8, 25), at(day, 8, 30)]
    assert {r.kind for r in slots[0].resources} == {"practitioner", "room"}
    afternoon = find_slots(
        appointment_type=clinic.consultation,
        start=at(day, 8),
        end=at(day, 16),
        limit=1,
        time_from=time(13),
    )
    assert afternoon[0].start == at(day, 13)
    chosen = find_slots(
        appointment_type=clinic.phone,
        start=at(day, 8),
        end=at(day, 16),
        practitioner=clinic.doctors[1],
        limit=2,
    )
    assert all(s.practitioner == clinic.doctors[1] for s in chosen)


def test_slots_skip_holidays_and_weekends(world, clinic):
    friday = next_workday(weekday=4)
    slots = find_slots(
        appointment_type=clinic.phone,
        start=at(friday, 15, 55),
        end=at(friday + timedelta(days=7), 16),
        limit=1,
    )
    assert slots[0].start.date() > friday
    assert slots[0].start.weekday() < 5


def test_weekly_series_lists_conflicts_before_booking(world, clinic, actor):
    monday = next_workday(weekday=0, also_open=(7, 14, 21))
    blocker = _book(
        actor, world.patient_a2, clinic.consultation, at(monday + timedelta(days=14), 10)
    )
    plan = series_plan(
        actor=actor,
        patient=world.patient_a,
        appointment_type=clinic.consultation,
        rule=SeriesRule(first_start=at(monday, 10), count=4),
    )
    problems = [p.index for p in plan if p.problem]
    assert problems == [2]
    assert plan[2].alternative is not None
    starts = [p.alternative.start if p.problem else p.start for p in plan]
    series = series_book(
        actor=actor, patient=world.patient_a, appointment_type=clinic.consultation, starts=starts
    )
    assert series.count == 4
    occurrences = list(series_appointments(series))
    assert len(occurrences) == 4
    assert blocker.status == AppointmentStatus.BOOKED
    cancelled = series_cancel(
        actor=actor, appointment=occurrences[2], scope=SeriesScope.FOLLOWING, reason="Stopper"
    )
    assert cancelled == 2
    statuses = [a.status for a in series_appointments(series)]
    assert statuses == ["booked", "booked", "cancelled", "cancelled"]


def series_appointments(series):
    from klinik.scheduling.models import Appointment

    return Appointment.objects.filter(series=series).order_by("series_index")


def test_group_session_fills_to_capacity(world, clinic, actor):
    start = at(next_workday(), 10)
    patients = [world.patient_a, world.patient_a2]
    from klinik.patients.tests.factories import PatientFactory

    patients += [PatientFactory(unit=world.unit_a), PatientFactory(unit=world.unit_a)]
    booked = [_book(actor, p, clinic.group, start) for p in patients[:3]]
    assert len({a.session_key for a in booked}) == 1
    with pytest.raises(BookingError) as exc:
        _book(actor, patients[3], clinic.group, start)
    assert exc.value.code == "group_full"


def test_undoing_a_cancellation_fails_if_the_time_was_taken(world, clinic, actor):
    day = next_workday()
    first = _book(actor, world.patient_a, clinic.phone, at(day, 9), practitioner=clinic.doctors[0])
    appointment_cancel(actor=actor, appointment=first, reason="Afbud")
    _book(actor, world.patient_a2, clinic.phone, at(day, 9), practitioner=clinic.doctors[0])
    if connection.vendor == "postgresql":
        with pytest.raises(BookingError):
            appointment_set_status(actor=actor, appointment=first, status=AppointmentStatus.BOOKED)
        first.refresh_from_db()
        assert first.status == AppointmentStatus.CANCELLED


def test_a_buffer_before_holds_the_resources_ahead_of_the_appointment(world, clinic, actor):
    from klinik.scheduling.calendar.selectors import appointment_blocks_by_day

    day = next_workday()
    kind = clinic.consultation  # 15 minutes and 5 after, a doctor and the one room
    kind.buffer_before_minutes = 10
    kind.save(update_fields=["buffer_before_minutes"])
    # The room is prepared inside opening hours: 8:00 would hold it from 7:50.
    with pytest.raises(BookingError) as early:
        _book(actor, world.patient_a, kind, at(day, 8))
    assert early.value.code == "outside_hours"
    appointment = _book(actor, world.patient_a, kind, at(day, 9))
    assert (appointment.start, appointment.end, appointment.block_end) == (
        at(day, 9),
        at(day, 9, 15),
        at(day, 9, 20),
    )
    assert {h.start for h in appointment.resource_holds.all()} == {at(day, 8, 50)}
    # 9:25 would prepare the room from 9:15, while it is still held until 9:20.
    with pytest.raises(BookingError) as taken:
        _book(actor, world.patient_a2, kind, at(day, 9, 25))
    assert taken.value.code == "taken"
    starts = [s.start for s in find_slots(appointment_type=kind, start=at(day, 8), end=at(day, 12))]
    assert starts[:6] == [at(day, 8, m) for m in (10, 15, 20, 25, 30)] + [at(day, 9, 30)]
    # The week shows the appointment at its own time, not at its buffer's.
    blocks = appointment_blocks_by_day(
        unit=world.unit_a, resource_ids=[h.resource_id for h in appointment.holds], days=[day]
    )
    assert {minute for rows in blocks.values() for minute, _type, _status in rows} == {9 * 60}
    _book(actor, world.patient_a2, kind, at(day, 9, 30))


def test_a_booking_is_written_in_few_statements_with_its_holds_and_history(
    world, clinic, actor, django_assert_max_num_queries
):
    """Issue 12: on PostgreSQL the appointment, its holds and its history event are one
    statement; the type's candidate resources one read. What is written is the same on both
    databases: the holds in the requirements' order and the "booked" event."""
    day = next_workday()
    _book(actor, world.patient_a2, clinic.phone, at(day, 8))  # the access log's head exists
    pg = connection.vendor == "postgresql"
    # Savepoint, candidates, schedule, hours, holds, the write(s), access log, notice task, release.
    with django_assert_max_num_queries(10 if pg else 13):
        appointment = _book(actor, world.patient_a, clinic.consultation, at(day, 9))
    assert appointment.pk is not None
    assert not appointment._state.adding
    stored = list(AppointmentResource.objects.filter(appointment=appointment).order_by("pk"))
    assert [h.pk for h in appointment.holds] == [h.pk for h in stored]
    assert [h.resource.kind for h in appointment.holds] == ["practitioner", "room"]
    assert all(h.start == at(day, 9) and h.block_end == at(day, 9, 20) for h in stored)
    assert all(h.holds_time and h.session_key == appointment.session_key for h in stored)
    event = AppointmentEvent.objects.get(appointment=appointment)
    assert (event.kind, event.to_status, event.to_start) == ("booked", "booked", at(day, 9))
    assert event.by_id == actor.user.pk
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_a_type_without_requirements_needs_one_practitioner(world, clinic, actor):
    from klinik.scheduling.models import TypeRequirement
    from klinik.scheduling.slots import type_candidates

    assert not TypeRequirement.objects.filter(appointment_type=clinic.phone).exists()
    pools = type_candidates(clinic.phone)
    assert len(pools) == 1
    assert pools[0] and {r.kind for r in pools[0]} == {"practitioner"}
    assert type_candidates(clinic.phone, clinic.doctors[1]) == [[clinic.doctors[1]]]
    day = next_workday()
    booked = _book(actor, world.patient_a, clinic.phone, at(day, 9), practitioner=clinic.doctors[1])
    assert [h.resource for h in booked.holds] == [clinic.doctors[1]]


def test_an_allowed_list_narrows_a_requirement_and_an_empty_pool_refuses(world, clinic, actor):
    from klinik.scheduling.models import TypeRequirement
    from klinik.scheduling.slots import type_candidates

    need = TypeRequirement.objects.create(
        organisation_id=clinic.phone.organisation_id,
        appointment_type=clinic.phone,
        kind="practitioner",
    )
    need.allowed.set([clinic.doctors[1]])
    assert type_candidates(clinic.phone) == [[clinic.doctors[1]]]
    assert type_candidates(clinic.phone, clinic.doctors[0]) == [[]]
    with pytest.raises(BookingError) as exc:
        _book(
            actor,
            world.patient_a,
            clinic.phone,
            at(next_workday(), 9),
            practitioner=clinic.doctors[0],
        )
    assert exc.value.code == "no_resource"


def test_the_written_out_insert_is_the_one_djangos_compiler_writes(world, clinic, actor):
    """The booking's INSERT is written once (booking._appointment_insert): it must stay the
    statement and the values Django's compiler makes from the model."""
    from django.db.models.sql.subqueries import InsertQuery

    from klinik.scheduling.booking import _INSERTED, _appointment_insert
    from klinik.scheduling.models import Appointment

    start = at(next_workday(), 9)
    appointment = Appointment(
        organisation_id=clinic.unit.organisation_id,
        unit=clinic.unit,
        appointment_type=clinic.consultation,
        patient=world.patient_a,
        start=start,
        end=start + timedelta(minutes=15),
        block_end=start + timedelta(minutes=20),
        booked_via="staff",
        booked_by=actor.user,
        note="Ømt knæ",
    )
    sql, params = _appointment_insert(appointment)
    query = InsertQuery(Appointment)
    query.insert_values(list(_INSERTED), [appointment])
    ((expected_sql, expected_params),) = query.get_compiler(connection=connection).as_sql()
    assert sql == expected_sql
    made_at = [f.name for f in _INSERTED].index("created_at")  # auto_now_add: now, twice
    assert params[:made_at] + params[made_at + 1 :] == [
        *expected_params[:made_at],
        *expected_params[made_at + 1 :],
    ]
