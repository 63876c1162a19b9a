"""Status changes along TRANSITIONS (arrived, started, finished, no-show, cancelled, and
back), the undo of the last one, and cancelling."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klinik.audit.choices import Action, Channel
from klinik.core.policy import Actor, Perm, require
from klinik.scheduling.choices import AppointmentStatus, Attendance
from klinik.scheduling.errors import BookingCode, BookingError
from klinik.scheduling.history import appointment_access_log, appointment_event_add
from klinik.scheduling.hooks import appointment_status_changed
from klinik.scheduling.models import Appointment, AppointmentResource
from klinik.scheduling.notify import appointment_changed

# Status changes a user may make (undo included: a wrong no-show can be taken back).
TRANSITIONS: dict[str, set[str]] = {
    AppointmentStatus.BOOKED: {
        AppointmentStatus.ARRIVED,
        AppointmentStatus.IN_PROGRESS,
        AppointmentStatus.NO_SHOW,
        AppointmentStatus.CANCELLED,
    },
    AppointmentStatus.ARRIVED: {
        AppointmentStatus.BOOKED,
        AppointmentStatus.IN_PROGRESS,
        AppointmentStatus.FINISHED,
        AppointmentStatus.CANCELLED,
    },
    AppointmentStatus.IN_PROGRESS: {AppointmentStatus.ARRIVED, AppointmentStatus.FINISHED},
    AppointmentStatus.FINISHED: {AppointmentStatus.IN_PROGRESS},
    AppointmentStatus.NO_SHOW: {AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED},
    AppointmentStatus.CANCELLED: {AppointmentStatus.BOOKED},
}


def appointment_transitions(appointment: Appointment) -> set[str]:
    """The statuses the appointment may change to now: TRANSITIONS, less "arrived" for a
    telephone or video consultation (nobody comes to the reception)."""
    return status_transitions(appointment.status, appointment.appointment_type.attendance)


def status_transitions(status: str, attendance: str) -> set[str]:
    """appointment_transitions of an appointment with this status and attendance (a board
    of thousands of rows asks this once per combination, not once per row)."""
    allowed = TRANSITIONS.get(status, set())
    if attendance != Attendance.IN_PERSON:
        allowed = allowed - {AppointmentStatus.ARRIVED}
    return allowed


def appointment_undo_status(appointment: Appointment) -> AppointmentStatus | None:
    """Undo takes an appointment back to the status its last status change came from, when
    TRANSITIONS allows that way back: never to a status it has not had (one booked and then
    started without arriving goes back to booked, not to arrived)."""
    return undo_status(
        appointment.status, appointment.previous_status, appointment.appointment_type.attendance
    )


def undo_status(status: str, previous: str, attendance: str) -> AppointmentStatus | None:
    """appointment_undo_status of an appointment with this status, previous status and
    attendance."""
    if previous and previous in status_transitions(status, attendance):
        return AppointmentStatus(previous)
    return None


def appointment_set_status(
    *,
    actor: Actor,
    appointment: Appointment,
    status: AppointmentStatus,
    reason: str = "",
    channel: Channel = Channel.UI,
    notify: bool = True,
) -> Appointment:
    """Change status along TRANSITIONS, keeping who and when in the appointment's history.
    `notify`: whether the patient is told of a cancellation (ADR 0034)."""
    require(actor, Perm.SCHEDULE_BOOK)
    try:
        with transaction.atomic(durable=True):
            return appointment_set_status_within(
                actor=actor,
                appointment=appointment,
                status=status,
                reason=reason,
                channel=channel,
                notify=notify,
            )
    except IntegrityError as exc:
        raise BookingError(BookingError.TAKEN, code=BookingCode.TAKEN) from exc


def appointment_set_status_within(
    *,
    actor: Actor,
    appointment: Appointment,
    status: AppointmentStatus,
    reason: str = "",
    channel: Channel = Channel.UI,
    notify: bool = True,
) -> Appointment:
    """appointment_set_status inside the caller's transaction (which rolls back on an error)."""
    require(actor, Perm.SCHEDULE_BOOK)
    status = AppointmentStatus(status)
    locked = (
        Appointment.objects.select_for_update(of=("self", "patient"))
        .select_related("patient", "appointment_type")
        .get(pk=appointment.pk)
    )
    if status == AppointmentStatus.CANCELLED:
        cancel_check(locked)
    if status not in appointment_transitions(locked):
        raise BookingError(
            BookingError.BAD_STATUS % {"from": locked.get_status_display(), "to": status.label},
            code=BookingCode.BAD_STATUS,
        )
    if status == AppointmentStatus.CANCELLED and not reason.strip():
        raise BookingError(BookingError.REASON_REQUIRED, code=BookingCode.REASON_REQUIRED)
    previous = locked.status
    locked.status, locked.previous_status = status, previous
    locked.notifies_patient = notify
    fields = ["status", "previous_status", "notifies_patient"]
    if status == AppointmentStatus.CANCELLED:
        locked.cancel_reason = reason.strip()[:300]
        fields.append("cancel_reason")
    if status == AppointmentStatus.ARRIVED and locked.arrived_at is None:
        locked.arrived_at = timezone.now()
        fields.append("arrived_at")
    locked.save(update_fields=fields)
    holds = AppointmentResource.objects.filter(appointment=locked)
    if status == AppointmentStatus.CANCELLED:
        holds.update(holds_time=False)
    elif previous == AppointmentStatus.CANCELLED:
        # Undoing a cancellation takes the time again, if it is still free.
        holds.update(holds_time=True)
    appointment_event_add(
        locked,
        actor,
        "status",
        from_status=previous,
        to_status=status,
        reason=reason.strip()[:300],
    )
    appointment_access_log(actor, Action.UPDATE, locked, channel, f"{previous} -> {status}")
    appointment_status_changed(locked, previous, status, actor)
    appointment_changed(locked, "cancelled" if status == AppointmentStatus.CANCELLED else "status")
    return locked


def cancel_check(appointment: Appointment) -> None:
    """Refuse to cancel what is already cancelled or has started (in progress, finished)."""
    if appointment.status == AppointmentStatus.CANCELLED:
        raise BookingError(BookingError.ALREADY_CANCELLED, code=BookingCode.ALREADY_CANCELLED)
    if appointment.status in (AppointmentStatus.IN_PROGRESS, AppointmentStatus.FINISHED):
        raise BookingError(BookingError.STARTED, code=BookingCode.STARTED)


def appointment_cancel(
    *,
    actor: Actor,
    appointment: Appointment,
    reason: str,
    channel: Channel = Channel.UI,
    notify: bool = True,
) -> Appointment:
    """Cancel with a reason; `notify`: the patient is told when they can be reached (the
    cancellation notice no longer needs an earlier confirmation, ADR 0034)."""
    return appointment_set_status(
        actor=actor,
        appointment=appointment,
        status=AppointmentStatus.CANCELLED,
        reason=reason,
        channel=channel,
        notify=notify,
    )


# The calendar's direct booking (UnitSchedule.books_on_enter) shows its undo this long; the
# server allows a few seconds more for the request on its way.
UNDO_BOOKING_SECONDS = 10
UNDO_BOOKING_SLACK_SECONDS = 5


def appointment_booking_undo(
    *, actor: Actor, appointment: Appointment, channel: Channel = Channel.UI
) -> Appointment:
    """Take back a booking just made directly on Enter: cancelled without a notice to the
    patient, by whoever booked it and only within UNDO_BOOKING_SECONDS of booking."""
    require(actor, Perm.SCHEDULE_BOOK)
    limit = appointment.created_at + timedelta(
        seconds=UNDO_BOOKING_SECONDS + UNDO_BOOKING_SLACK_SECONDS
    )
    if (
        appointment.booked_by_id != actor.user.pk
        or appointment.status != AppointmentStatus.BOOKED
        or timezone.now() > limit
    ):
        raise BookingError(BookingError.UNDO_TOO_LATE, code=BookingCode.UNDO_TOO_LATE)
    return appointment_cancel(
        actor=actor,
        appointment=appointment,
        reason=_("Booking undone"),
        channel=channel,
        notify=False,
    )
