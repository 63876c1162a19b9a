"""Series: the repeat rule (every N weeks, weekdays, until a date or a count, bounds), the plan
with conflicts and alternatives, booking all or none (or the free ones), and cancelling and
moving one, this and the following, or all."""

from datetime import date, time, timedelta

import pytest

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.correspondence.tests.helpers import (
    messages_about,
    plan_notices,
    reachable_by,
    run_due_tasks,
)
from klinik.scheduling.booking import appointment_book
from klinik.scheduling.errors import BookingError, SeriesError
from klinik.scheduling.models import (
    Appointment,
    AppointmentEvent,
    AppointmentResource,
    AppointmentSeries,
)
from klinik.scheduling.series import (
    MAX_OCCURRENCES,
    SeriesRule,
    SeriesScope,
    series_book,
    series_cancel,
    series_create,
    series_move,
    series_plan,
    series_starts,
)
from klinik.scheduling.tests.factories import at, clinic_create, next_workday

WEEKS = (7, 14, 21, 28, 35)


@pytest.fixture
def monday():
    """A Monday whose next five Mondays are working days too."""
    return next_workday(weekday=0, also_open=WEEKS)


def _weekly(actor, world, clinic, first, count=4, **kw):
    return series_create(
        actor=actor,
        patient=world.patient_a,
        appointment_type=clinic.phone,
        rule=SeriesRule(first_start=first, count=count),
        practitioner=clinic.doctors[0],
        **kw,
    )


def _occurrences(series):
    return list(Appointment.objects.filter(series=series).order_by("series_index"))


# The rule ----------------------------------------------------------------------------------------


def test_every_two_weeks_keeps_the_local_time_across_daylight_saving():
    # From a Monday in October past the end of summer time (last Sunday of October).
    first = at(date(2030, 10, 14), 10)
    starts = series_starts(SeriesRule(first_start=first, every_weeks=2, count=3))
    assert [s.date() for s in starts] == [
        date(2030, 10, 14),
        date(2030, 10, 28),
        date(2030, 11, 11),
    ]
    assert {s.time() for s in starts} == {time(10)}
    assert starts[0].utcoffset() != starts[1].utcoffset()


def test_chosen_weekdays_until_a_date():
    # Monday and Thursday every week, from a Thursday, until the Monday two weeks later.
    first = at(date(2030, 1, 3), 9, 30)  # a Thursday
    starts = series_starts(
        SeriesRule(first_start=first, weekdays=frozenset({0, 3}), until=date(2030, 1, 14))
    )
    assert [s.date() for s in starts] == [
        date(2030, 1, 3),
        date(2030, 1, 7),
        date(2030, 1, 10),
        date(2030, 1, 14),
    ]


@pytest.mark.parametrize(
    ("rule", "code", "field"),
    [
        ({"count": 0}, "series_count", "count"),
        ({"count": 500}, "series_count", "count"),
        ({"count": MAX_OCCURRENCES + 1}, "series_count", "count"),
        ({"until": date(2033, 1, 1)}, "series_count", "until"),  # 150 weeks
        ({"count": 3, "every_weeks": 0}, "series_interval", "every_weeks"),
        ({"count": 3, "every_weeks": 53}, "series_interval", "every_weeks"),
        ({"count": 3, "weekdays": frozenset({7})}, "series_weekdays", "weekdays"),
        ({}, "series_end", "count"),
        ({"count": 3, "until": date(2030, 6, 1)}, "series_end", "until"),
        ({"until": date(2029, 12, 1)}, "series_end", "until"),
    ],
)
def test_settings_out_of_bounds_are_refused_at_their_field(rule, code, field):
    with pytest.raises(SeriesError) as exc:
        series_starts(SeriesRule(first_start=at(date(2030, 1, 7), 9), **rule))
    assert (exc.value.code, exc.value.field, exc.value.http_status) == (code, field, 422)
    assert exc.value.message


@pytest.mark.parametrize("count", [0, 500])
def test_a_series_of_0_or_500_writes_nothing(world, clinic, actor, monday, count):
    with pytest.raises(SeriesError) as exc:
        _weekly(actor, world, clinic, at(monday, 9), count=count)
    assert exc.value.code == "series_count"
    assert not AppointmentSeries.objects.exists()
    assert not Appointment.objects.exists()
    with pytest.raises(SeriesError):
        series_book(
            actor=actor,
            patient=world.patient_a,
            appointment_type=clinic.phone,
            starts=[at(monday, 9) + timedelta(days=7 * i) for i in range(count)],
        )
    assert not AppointmentSeries.objects.exists()


# Planning and booking ----------------------------------------------------------------------------


def test_a_conflict_is_listed_with_an_alternative_and_nothing_is_booked(
    world, clinic, actor, monday
):
    blocker = appointment_book(
        actor=actor,
        patient=world.patient_a2,
        appointment_type=clinic.phone,
        start=at(monday + timedelta(days=14), 9),
        practitioner=clinic.doctors[0],
    )
    with pytest.raises(SeriesError) as exc:
        _weekly(actor, world, clinic, at(monday, 9))
    assert exc.value.code == "series_conflicts"
    assert exc.value.http_status == 409
    [conflict] = exc.value.conflicts
    assert (conflict.index, conflict.start, conflict.code) == (2, blocker.start, "taken")
    assert conflict.alternative is not None
    assert conflict.alternative.start.date() == blocker.start.date()
    # The nearest free time that day: just before or just after the one taken.
    assert conflict.alternative.start in {blocker.start - timedelta(minutes=10), blocker.end}
    assert not AppointmentSeries.objects.exists()
    assert list(Appointment.objects.all()) == [blocker]


def test_skip_conflicts_books_the_free_ones_and_reports_the_rest(world, clinic, actor, monday):
    appointment_book(
        actor=actor,
        patient=world.patient_a2,
        appointment_type=clinic.phone,
        start=at(monday + timedelta(days=7), 9),
        practitioner=clinic.doctors[0],
    )
    booked = _weekly(actor, world, clinic, at(monday, 9), skip_conflicts=True)
    assert [c.index for c in booked.conflicts] == [1]
    occurrences = _occurrences(booked.series)
    assert [o.start for o in occurrences] == [
        at(monday + timedelta(days=d), 9) for d in (0, 14, 21)
    ]
    assert [o.series_index for o in occurrences] == [0, 1, 2]
    assert booked.series.count == 3


def test_the_plan_lists_a_time_in_the_past(world, clinic, actor, monday):
    plan = series_plan(
        actor=actor,
        patient=world.patient_a,
        appointment_type=clinic.phone,
        rule=SeriesRule(first_start=at(monday - timedelta(days=21), 9), every_weeks=3, count=2),
    )
    assert [p.code for p in plan] == ["past", ""]
    assert plan[0].alternative is None or plan[0].alternative.start > plan[0].start


def test_booking_is_all_or_none_when_a_time_was_taken_after_the_check(world, clinic, actor, monday):
    plan = series_plan(
        actor=actor,
        patient=world.patient_a,
        appointment_type=clinic.phone,
        rule=SeriesRule(first_start=at(monday, 9), count=3),
        practitioner=clinic.doctors[0],
    )
    assert not [p for p in plan if p.problem]
    # Meanwhile someone else takes the third time.
    appointment_book(
        actor=actor,
        patient=world.patient_a2,
        appointment_type=clinic.phone,
        start=plan[2].start,
        practitioner=clinic.doctors[0],
    )
    with pytest.raises(BookingError) as exc:
        series_book(
            actor=actor,
            patient=world.patient_a,
            appointment_type=clinic.phone,
            starts=[p.start for p in plan],
            practitioner=clinic.doctors[0],
        )
    assert exc.value.code == "taken"
    assert not AppointmentSeries.objects.exists()
    assert Appointment.objects.filter(patient=world.patient_a).count() == 0


def test_another_organisations_type_or_patient_is_not_offered(world, actor, actor_for, monday):
    other = clinic_create(world.unit_b)
    rule = SeriesRule(first_start=at(monday, 9), count=2)
    with pytest.raises(BookingError) as exc:
        series_plan(actor=actor, patient=world.patient_a, appointment_type=other.phone, rule=rule)
    assert exc.value.code == "not_offered"
    actor_b = actor_for(world.member(Role.SECRETARY, unit=world.unit_b))
    with pytest.raises(BookingError):
        series_create(
            actor=actor_b, patient=world.patient_a, appointment_type=other.phone, rule=rule
        )
    assert not AppointmentSeries.objects.exists()


# Cancelling --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "statuses"),
    [
        (SeriesScope.ONE, ["booked", "cancelled", "booked", "booked"]),
        (SeriesScope.FOLLOWING, ["booked", "cancelled", "cancelled", "cancelled"]),
        (SeriesScope.ALL, ["cancelled", "cancelled", "cancelled", "cancelled"]),
    ],
)
def test_cancel_this_one_the_following_or_all(world, clinic, actor, monday, scope, statuses):
    occurrences = _occurrences(_weekly(actor, world, clinic, at(monday, 9)).series)
    count = series_cancel(actor=actor, appointment=occurrences[1], scope=scope, reason="Stopper")
    assert count == statuses.count("cancelled")
    assert [o.status for o in _occurrences(occurrences[0].series)] == statuses
    cancelled = [o for o in _occurrences(occurrences[0].series) if o.status == "cancelled"]
    assert all(o.cancel_reason == "Stopper" for o in cancelled)
    assert not AppointmentResource.objects.filter(
        appointment__in=cancelled, holds_time=True
    ).exists()


def test_cancelling_the_following_sends_each_a_cancellation(world, clinic, actor, monday, clock):
    alma = reachable_by(world.patient_a, email=True)
    clock.set(at(monday - timedelta(days=3), 10))
    series = series_create(
        actor=actor,
        patient=alma,
        appointment_type=clinic.phone,
        rule=SeriesRule(first_start=at(monday, 9), count=3),
    ).series
    plan_notices()
    clock.advance(minutes=5)
    run_due_tasks()  # the confirmations go
    occurrences = _occurrences(series)
    series_cancel(
        actor=actor,
        appointment=occurrences[1],
        scope=SeriesScope.FOLLOWING,
        reason="Stopper",
    )
    plan_notices()
    kinds = [{m.kind for m in messages_about(o)} for o in occurrences]
    assert "cancelled" not in kinds[0]
    assert all("cancelled" in k for k in kinds[1:])


# Moving ------------------------------------------------------------------------------------------


def test_moving_the_following_shifts_each_by_the_same_offset(world, clinic, actor, monday):
    occurrences = _occurrences(_weekly(actor, world, clinic, at(monday, 9)).series)
    moved = series_move(
        actor=actor,
        appointment=occurrences[1],
        scope=SeriesScope.FOLLOWING,
        start=at(monday + timedelta(days=8), 10, 30),  # Tuesday 10:30
    )
    assert moved == 3
    assert [o.start for o in _occurrences(occurrences[0].series)] == [
        at(monday, 9),
        *(at(monday + timedelta(days=d), 10, 30) for d in (8, 15, 22)),
    ]
    assert AppointmentEvent.objects.filter(kind="moved").count() == 3
    assert AccessLogEntry.objects.filter(reason="moved").count() == 3


def test_all_can_move_into_each_others_old_times(world, clinic, actor, monday):
    occurrences = _occurrences(_weekly(actor, world, clinic, at(monday, 9)).series)
    series_move(
        actor=actor,
        appointment=occurrences[0],
        scope=SeriesScope.ALL,
        start=at(monday + timedelta(days=7), 9),
    )
    assert [o.start for o in _occurrences(occurrences[0].series)] == [
        at(monday + timedelta(days=d), 9) for d in (7, 14, 21, 28)
    ]


def test_a_move_with_a_conflict_lists_it_and_moves_nothing(world, clinic, actor, monday):
    occurrences = _occurrences(_weekly(actor, world, clinic, at(monday, 9)).series)
    # Both doctors are busy at 11:00 in the third week.
    for doctor in clinic.doctors:
        appointment_book(
            actor=actor,
            patient=world.patient_a2,
            appointment_type=clinic.phone,
            start=at(monday + timedelta(days=14), 11),
            practitioner=doctor,
        )
    holds_before = set(AppointmentResource.objects.values_list("appointment_id", "resource_id"))
    with pytest.raises(SeriesError) as exc:
        series_move(
            actor=actor,
            appointment=occurrences[0],
            scope=SeriesScope.ALL,
            start=at(monday, 11),
            practitioner=None,
        )
    assert exc.value.code == "series_conflicts"
    assert [(c.index, c.code) for c in exc.value.conflicts] == [(2, "taken")]
    assert exc.value.conflicts[0].alternative is not None
    assert [o.start for o in _occurrences(occurrences[0].series)] == [o.start for o in occurrences]
    assert set(AppointmentResource.objects.values_list("appointment_id", "resource_id")) == (
        holds_before
    )
    assert not AppointmentEvent.objects.filter(kind="moved").exists()
