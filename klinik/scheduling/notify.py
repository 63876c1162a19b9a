"""What the booking services tell the outside world after a change commits.

`appointment_changed` is called (on commit) for: booked, moved, cancelled, status. The
notification machinery (confirmations, reminders, waitlist offers) registers itself on
`hooks.APPOINTMENT_CHANGED` at start-up.
"""

from __future__ import annotations

from django.db import transaction

from klinik.core.hooks import hook_items
from klinik.scheduling.hooks import APPOINTMENT_CHANGED, ChangeListener


def _later(listener: ChangeListener, appointment_id: int, event: str) -> None:
    transaction.on_commit(lambda: listener(appointment_id, event))


def appointment_changed(appointment_id: int, event: str) -> None:
    """Queue the listeners to run once the current transaction commits."""
    for listener in hook_items(APPOINTMENT_CHANGED):
        _later(listener, appointment_id, event)
