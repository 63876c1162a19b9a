"""Confirmations, move and cancellation notices and reminders, planned on every change of an
appointment: the undo grace period collapses changes into the final state, reminders follow
moves and cancellations, and a notice is checked again when it is due."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import translation

from klinik.core.choices import Role
from klinik.core.hooks import hook_items
from klinik.correspondence.choices import MessageKind
from klinik.correspondence.models import OutboxMessage
from klinik.correspondence.tests.helpers import (
    desk_at,
    messages_about,
    pending,
    reachable_by,
    run_due_tasks,
)
from klinik.scheduling.hooks import APPOINTMENT_CHANGED
from klinik.scheduling.models import Appointment, UnitSchedule
from klinik.scheduling.reminders import AppointmentNotices, NoticeKind, format_when
from klinik.scheduling.tests.factories import at, next_workday, workday_after

GRACE = timedelta(seconds=180)


@pytest.fixture
def desk(world, actor_for):
    actor = actor_for(world.member(Role.SECRETARY))
    return desk_at(world.unit_a, actor)


@pytest.fixture
def alma(world):
    return reachable_by(world.patient_a, email=True)


@pytest.fixture
def day():
    return next_workday(days_ahead=10)


def _sent(appointment):
    return [
        (m.kind, m.appointment_start) for m in messages_about(appointment) if m.status == "sent"
    ]


def _danish(when):
    with translation.override("da"):
        return format_when(when)


def test_the_listener_is_registered_once_at_start_up():
    assert (
        sum(
            isinstance(listener, AppointmentNotices) for listener in hook_items(APPOINTMENT_CHANGED)
        )
        == 1
    )


def test_notice_kinds_are_outbox_kinds():
    assert set(NoticeKind.values) <= set(MessageKind.values)


def test_booking_queues_a_confirmation_after_the_grace_period_and_a_reminder(
    desk, alma, clock, day
):
    booked_at = clock.set(at(day - timedelta(days=3), 10))
    appointment = desk.book(alma, at(day, 9))

    confirmation = pending(appointment, "confirmation")
    assert confirmation.scheduled_for == booked_at + GRACE
    assert (confirmation.channel, confirmation.recipient) == ("email", "alma@example.dk")
    reminder = pending(appointment, "reminder")
    assert reminder.scheduled_for == appointment.start - timedelta(hours=24)

    clock.advance(seconds=179)
    run_due_tasks()
    assert mail.outbox == [], "nothing goes during the grace period"
    clock.advance(seconds=1)
    run_due_tasks()
    assert len(mail.outbox) == 1
    assert _danish(at(day, 9)) in mail.outbox[0].body

    clock.set(reminder.scheduled_for)
    run_due_tasks()
    assert len(mail.outbox) == 2
    assert _sent(appointment) == [
        ("confirmation", appointment.start),
        ("reminder", appointment.start),
    ]


def test_no_reminder_when_booked_less_than_the_reminder_hours_ahead(desk, alma, clock, day):
    clock.set(at(day, 9) - timedelta(hours=20))
    appointment = desk.book(alma, at(day, 9))
    assert [m.kind for m in messages_about(appointment)] == ["confirmation"]


def test_reminder_hours_come_from_the_appointment_type(desk, alma, clock, day):
    desk.clinic.phone.reminder_hours = 2
    desk.clinic.phone.save()
    clock.set(at(day, 7) - timedelta(days=1))
    appointment = desk.book(alma, at(day, 10), kind=desk.clinic.phone)
    assert pending(appointment, "reminder").scheduled_for == appointment.start - timedelta(hours=2)


def test_booked_then_cancelled_unnotified_within_the_grace_period_sends_nothing(
    desk, alma, clock, day
):
    clock.set(at(day - timedelta(days=3), 10))
    appointment = desk.book(alma, at(day, 9))
    clock.advance(seconds=60)
    desk.cancel(appointment, notify=False)

    assert {(m.kind, m.status, m.reason) for m in messages_about(appointment)} == {
        ("confirmation", "cancelled", "superseded"),
        ("reminder", "cancelled", "superseded"),
        ("cancelled", "skipped", "not_notified"),
    }
    clock.advance(hours=100)
    run_due_tasks()
    assert mail.outbox == []


def test_a_cancellation_is_sent_without_an_earlier_confirmation(desk, alma, clock, day):
    # Booked on the telephone and cancelled before the confirmation went (ADR 0034): the
    # patient knows of the appointment, so the cancellation goes.
    clock.set(at(day - timedelta(days=3), 10))
    appointment = desk.book(alma, at(day, 9))
    clock.advance(seconds=60)
    desk.cancel(appointment)
    clock.advance(hours=1)
    run_due_tasks()
    assert _sent(appointment) == [("cancelled", appointment.start)]
    assert len(mail.outbox) == 1


def test_a_cancellation_the_secretary_chose_not_to_send_is_recorded_unsent(desk, alma, clock, day):
    clock.set(at(day - timedelta(days=3), 10))
    appointment = desk.book(alma, at(day, 9))
    clock.advance(minutes=5)
    run_due_tasks()
    desk.cancel(appointment, notify=False)
    clock.advance(hours=1)
    run_due_tasks()
    assert _sent(appointment) == [("confirmation", appointment.start)]
    cancelled = [m for m in messages_about(appointment) if m.kind == "cancelled"]
    assert [(m.status, m.reason) for m in cancelled] == [("skipped", "not_notified")]


def test_a_move_the_secretary_chose_not_to_send_keeps_the_reminder(desk, alma, clock, day):
    clock.set(at(day - timedelta(days=3), 10))
    appointment = desk.book(alma, at(day, 9))
    clock.advance(minutes=5)
    run_due_tasks()
    desk.move(appointment, at(day, 11), notify=False)
    moved = [m for m in messages_about(appointment) if m.kind == "moved"]
    assert [(m.status, m.reason) for m in moved] == [("skipped", "not_notified")]
    assert pending(appointment, "reminder").appointment_start == at(day, 11)


def test_moved_twice_within_the_grace_period_confirms_only_the_final_time(desk, alma, clock, day):
    clock.set(at(day - timedelta(days=3), 10))
    appointment = desk.book(alma, at(day, 9))
    clock.advance(seconds=60)
    appointment = desk.move(appointment, at(day, 10))
    clock.advance(seconds=60)
    moved_at = clock.now
    appointment = desk.move(appointment, at(day, 11))

    confirmation = pending(appointment, "confirmation")
    assert confirmation.appointment_start == at(day, 11)
    assert confirmation.scheduled_for == moved_at + GRACE, "the grace period starts again"
    clock.advance(seconds=180)
    run_due_tasks()
    assert _sent(appointment) == [("confirmation", at(day, 11))]
    assert len(mail.outbox) == 1
    assert _danish(at(day, 11)) in mail.outbox[0].body
    assert _danish(at(day, 9)) not in mail.outbox[0].body


def test_moving_after_the_confirmation_sends_a_move_notice_and_moves_the_reminder(
    desk, alma, clock, day
):
    clock.set(at(day - timedelta(days=3), 10))
    appointment = desk.book(alma, at(day, 9))
    old_reminder = pending(appointment, "reminder")
    clock.advance(minutes=5)
    run_due_tasks()

    appointment = desk.move(appointment, at(workday_after(day), 13))
    old_reminder.refresh_from_db()
    assert (old_reminder.status, old_reminder.reason) == ("cancelled", "superseded")
    reminder = pending(appointment, "reminder")
    assert reminder.scheduled_for == appointment.start - timedelta(hours=24)
    notice = pending(appointment, "moved")
    assert notice.appointment_start == appointment.start

    clock.advance(minutes=5)
    run_due_tasks()
    assert [m.kind for m in messages_about(appointment) if m.status == "sent"] == [
        "confirmation",
        "moved",
    ]
    assert _danish(appointment.start) in mail.outbox[-1].body


def test_moved_and_moved_back_within_the_grace_period_sends_nothing_more(desk, alma, clock, day):
    clock.set(at(day - timedelta(days=3), 10))
    appointment = desk.book(alma, at(day, 9))
    clock.advance(minutes=5)
    run_due_tasks()

    appointment = desk.move(appointment, at(day, 10))
    clock.advance(seconds=30)
    appointment = desk.move(appointment, at(day, 9))
    clock.advance(minutes=5)
    run_due_tasks()
    assert len(mail.outbox) == 1
    assert pending(appointment, "reminder").appointment_start == at(day, 9)


def test_cancelling_after_the_confirmation_sends_a_cancellation_and_cancels_the_reminder(
    desk, alma, clock, day
):
    clock.set(at(day - timedelta(days=3), 10))
    appointment = desk.book(alma, at(day, 9))
    clock.advance(minutes=5)
    run_due_tasks()

    desk.cancel(appointment)
    assert not [m for m in messages_about(appointment) if m.kind == "reminder" and m.is_pending]
    clock.advance(days=3)
    run_due_tasks()
    assert _sent(appointment) == [
        ("confirmation", appointment.start),
        ("cancelled", appointment.start),
    ]
    assert len(mail.outbox) == 2


def test_undoing_a_cancellation_within_the_grace_period_sends_nothing_and_keeps_the_reminder(
    desk, alma, clock, day
):
    clock.set(at(day - timedelta(days=3), 10))
    appointment = desk.book(alma, at(day, 9))
    clock.advance(minutes=5)
    run_due_tasks()

    appointment = desk.cancel(appointment)
    clock.advance(seconds=20)
    appointment = desk.undo_cancel(appointment)
    clock.advance(minutes=5)
    run_due_tasks()
    assert len(mail.outbox) == 1
    assert pending(appointment, "reminder").appointment_start == at(day, 9)


def test_the_unit_grace_period_is_used(desk, alma, clock, day):
    UnitSchedule.objects.filter(unit=desk.clinic.unit).update(undo_grace_seconds=30)
    booked_at = clock.set(at(day - timedelta(days=3), 10))
    appointment = desk.book(alma, at(day, 9))
    assert pending(appointment, "confirmation").scheduled_for == booked_at + timedelta(seconds=30)


def test_a_reminder_for_an_appointment_cancelled_since_is_not_sent(desk, alma, clock, day):
    clock.set(at(day - timedelta(days=3), 10))
    appointment = desk.book(alma, at(day, 9))
    reminder = pending(appointment, "reminder")
    # Cancelled without the notice planning running (as if its listener had failed): the
    # reminder itself checks the appointment when it is due.
    Appointment.objects.filter(pk=appointment.pk).update(status="cancelled")
    clock.set(reminder.scheduled_for)
    run_due_tasks()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.reason) == ("cancelled", "outdated")
    assert mail.outbox == [], "the confirmation, due earlier, was not sent either"


def test_a_patient_without_a_channel_gets_skipped_rows_and_nothing_sent(desk, world, clock, day):
    patient = reachable_by(world.patient_a)
    clock.set(at(day - timedelta(days=3), 10))
    appointment = desk.book(patient, at(day, 9))
    assert {(m.kind, m.status, m.reason) for m in messages_about(appointment)} == {
        ("confirmation", "skipped", "no_channel"),
        ("reminder", "skipped", "no_channel"),
    }
    assert run_due_tasks() == []


def test_a_failure_to_plan_notices_neither_undoes_the_booking_nor_logs_patient_data(
    desk, alma, clock, day, monkeypatch, caplog
):
    from klinik.correspondence.appointments import appointment_outbox

    def broken(notice):
        raise ValueError(f"Failing row contains ({alma.phone}, {notice.context['when']})")

    reachable_by(alma, sms=True, email=True)
    monkeypatch.setattr(appointment_outbox, "queue", broken)
    clock.set(at(day - timedelta(days=3), 10))
    appointment = desk.book(alma, at(day, 9))
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    assert "failed: ValueError" in caplog.text
    assert not OutboxMessage.objects.filter(appointment_public_id=appointment.public_id).exists()
    assert "12345678" not in caplog.text
