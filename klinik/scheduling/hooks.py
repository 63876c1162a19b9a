"""Explicit extension point for apps above scheduling (ADR 0008).

The record (a higher layer) opens a contact when a patient arrives and closes it when the
appointment is finished. Scheduling may not import records, so records registers a listener
here at start-up; `appointment_set_status` calls every listener inside its own transaction, so
the contact and the status change commit or roll back together. Not a Django signal: the list
is short, the call order is the registration order and a failing listener fails the change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from klinik.core.policy import Actor
    from klinik.scheduling.models import Appointment

StatusListener = Callable[["Appointment", str, str, "Actor | None"], None]

_status_listeners: list[StatusListener] = []


def on_appointment_status(listener: StatusListener) -> StatusListener:
    """Register `listener(appointment, previous_status, new_status, actor)`."""
    if listener not in _status_listeners:
        _status_listeners.append(listener)
    return listener


def appointment_status_changed(
    appointment: Appointment, previous: str, status: str, actor: Actor | None
) -> None:
    for listener in _status_listeners:
        listener(appointment, previous, status, actor)
