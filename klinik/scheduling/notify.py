"""What the booking services tell the outside world about a change: one task row.

`appointment_changed` is called for: booked, moved, cancelled, status. The notification
machinery (confirmations, reminders, waitlist offers) registers itself on
`hooks.APPOINTMENT_CHANGED` at start-up. The change itself only queues one task in its own
transaction (one insert; it commits with the change or not at all), and the task worker runs
the listeners moments later: planning texts and messages is not the request's work (issue 12:
it was half a booking's time and a second commit). The listeners plan from the appointment as
it is then, so several changes queued before the worker runs end where the last one left it.
"""

from __future__ import annotations

import logging
import traceback

from django.db import transaction
from django_tasks import task

from klinik.core.hooks import hook_items
from klinik.scheduling.hooks import APPOINTMENT_CHANGED
from klinik.scheduling.models import Appointment

logger = logging.getLogger(__name__)


def appointment_changed(appointment: Appointment, event: str) -> None:
    """Queue the listeners' work in the caller's transaction (nothing without listeners)."""
    if hook_items(APPOINTMENT_CHANGED):
        appointment_changed_run.enqueue(appointment.pk, event)


@task()
def appointment_changed_run(appointment_id: int, event: str) -> None:
    """The worker's side: each listener in a savepoint of one transaction that holds the
    appointment's lock (two changes of one appointment are planned one after the other). A
    listener that fails is rolled back and logged without its message (a database error can
    quote the failing row, with the text and the phone number); the others still run."""
    with transaction.atomic(durable=True):
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("patient", "appointment_type", "unit")
            .filter(pk=appointment_id)
            .first()
        )
        if appointment is None:
            return
        for listener in hook_items(APPOINTMENT_CHANGED):
            try:
                with transaction.atomic():
                    listener(appointment, event)
            except Exception as exc:
                logger.error(
                    "A listener of appointment %s (%s) failed: %s\n%s",
                    appointment_id,
                    event,
                    type(exc).__name__,
                    "".join(traceback.format_tb(exc.__traceback__)),
                )
