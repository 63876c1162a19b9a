"""No SMS at night: held until the unit's quiet hours end, in Copenhagen time, also across the
daylight-saving changes and when the worker runs late. E-mail is not held."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail

from klinik.correspondence.services import after_quiet_hours
from klinik.correspondence.tests.helpers import pending, reachable_by, run_due_tasks
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.models import UnitSchedule
from klinik.scheduling.tests.factories import at, next_workday

NIGHT = (time(21), time(8))


@pytest.fixture
def day():
    return next_workday(days_ahead=10)


def test_a_confirmation_booked_late_in_the_evening_is_held_until_the_morning(
    desk, world, clock, day
):
    patient = reachable_by(world.patient_a, sms=True)
    evening = day - timedelta(days=3)
    clock.set(at(evening, 22))
    appointment = desk.book(patient, at(day, 9))
    confirmation = pending(appointment, "confirmation")
    assert confirmation.status == "held"
    assert confirmation.scheduled_for == at(evening + timedelta(days=1), 8)

    clock.set(at(evening + timedelta(days=1), 7, 59))
    assert run_due_tasks() == []
    clock.advance(minutes=1)
    assert run_due_tasks() == ["sent"]


def test_an_email_is_not_held(desk, world, clock, day):
    patient = reachable_by(world.patient_a, email=True)
    clock.set(at(day - timedelta(days=3), 22))
    appointment = desk.book(patient, at(day, 9))
    confirmation = pending(appointment, "confirmation")
    assert confirmation.status == "queued"
    clock.advance(minutes=3)
    run_due_tasks()
    assert len(mail.outbox) == 1


def test_the_unit_quiet_hours_are_used(desk, world, clock, day):
    UnitSchedule.objects.filter(unit=desk.clinic.unit).update(
        quiet_start=time(18), quiet_end=time(9, 30)
    )
    patient = reachable_by(world.patient_a, sms=True)
    evening = day - timedelta(days=3)
    clock.set(at(evening, 18, 30))
    appointment = desk.book(patient, at(day, 9))
    assert pending(appointment, "confirmation").scheduled_for == at(
        evening + timedelta(days=1), 9, 30
    )


def test_a_late_worker_does_not_send_at_night(desk, world, clock, day):
    patient = reachable_by(world.patient_a, sms=True)
    evening = day - timedelta(days=3)
    clock.set(at(evening, 20, 50))
    appointment = desk.book(patient, at(day, 9))
    confirmation = pending(appointment, "confirmation")
    assert confirmation.status == "queued"
    # The worker was down and comes back at 23:15.
    clock.set(at(evening, 23, 15))
    assert run_due_tasks() == ["held"]
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == ("held", 0)
    assert confirmation.scheduled_for == at(evening + timedelta(days=1), 8)
    clock.set(confirmation.scheduled_for)
    assert run_due_tasks() == ["sent"]


@pytest.mark.parametrize(
    ("local", "released"),
    [
        ((2027, 5, 4, 20, 59), (2027, 5, 4, 20, 59)),
        ((2027, 5, 4, 21, 0), (2027, 5, 5, 8, 0)),
        ((2027, 5, 4, 23, 30), (2027, 5, 5, 8, 0)),
        ((2027, 5, 5, 3, 0), (2027, 5, 5, 8, 0)),
        ((2027, 5, 5, 8, 0), (2027, 5, 5, 8, 0)),
    ],
)
def test_quiet_hours_span_midnight(local, released):
    when = datetime(*local, tzinfo=LOCAL)
    assert after_quiet_hours(when, NIGHT) == datetime(*released, tzinfo=LOCAL)


def test_quiet_hours_across_the_daylight_saving_changes():
    # The night the clocks go forward (28 March 2027) and back (31 October 2027): still 08:00
    # in Copenhagen, which is 06:00 and 07:00 UTC.
    spring = after_quiet_hours(datetime(2027, 3, 27, 22, 0, tzinfo=LOCAL), NIGHT)
    assert spring.astimezone(UTC) == datetime(2027, 3, 28, 6, 0, tzinfo=UTC)
    autumn = after_quiet_hours(datetime(2027, 10, 30, 22, 0, tzinfo=LOCAL), NIGHT)
    assert autumn.astimezone(UTC) == datetime(2027, 10, 31, 7, 0, tzinfo=UTC)


def test_quiet_hours_within_one_day_and_none():
    early = (time(0), time(7))
    assert after_quiet_hours(datetime(2027, 5, 5, 6, 0, tzinfo=LOCAL), early) == datetime(
        2027, 5, 5, 7, 0, tzinfo=LOCAL
    )
    assert after_quiet_hours(datetime(2027, 5, 5, 23, 0, tzinfo=LOCAL), early).hour == 23
    always = datetime(2027, 5, 5, 23, 0, tzinfo=LOCAL)
    assert after_quiet_hours(always, (time(8), time(8))) == always
