"""Shared by the correspondence tests and scheduling's test_reminders: a clock the test sets,
the task worker run inside the test's transaction, and a desk that books, moves and cancels
with the on-commit notice planning included (fixtures in conftest.py and test_reminders)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from klinik.core.models import Unit
from klinik.core.policy import Actor
from klinik.correspondence.models import OutboxMessage
from klinik.patients.models import Patient
from klinik.scheduling.booking import appointment_book, appointment_move
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.models import Appointment, AppointmentType
from klinik.scheduling.tests.factories import Clinic, clinic_create
from klinik.scheduling.transitions import appointment_cancel, appointment_set_status

PLANNING_TASK = "klinik.scheduling.notify.appointment_changed_run"


def run_due_tasks(limit: int = 50, *, task_path: str = "") -> list[Any]:
    """What `klinik db_worker --batch` does, inside the test's transaction: run every task that
    is due (run_after passed), in the worker's order; returns their results. `task_path`:
    only the tasks of that function."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    results = []
    for _ in range(limit):
        ready = DBTaskResult.objects.ready()
        due = (ready.filter(task_path=task_path) if task_path else ready).first()
        if due is None:
            return results
        due.claim("test")
        worker.run_task(due)
        due.refresh_from_db()
        assert due.status == TaskResultStatus.SUCCESSFUL, due.traceback
        results.append(due.return_value)
    raise AssertionError("tasks keep coming")


def messages_about(appointment: Appointment) -> list[OutboxMessage]:
    return list(
        OutboxMessage.objects.filter(appointment_public_id=appointment.public_id).order_by("id")
    )


def pending(appointment: Appointment, kind: str) -> OutboxMessage:
    return OutboxMessage.objects.get(
        appointment_public_id=appointment.public_id, kind=kind, status__in=["queued", "held"]
    )


def reachable_by(
    patient: Patient, *, sms: bool = False, email: bool = False, address: str = "alma@example.dk"
) -> Patient:
    patient.phone, patient.consent_sms = ("12345678", True) if sms else ("", False)
    patient.email, patient.consent_email = (address, True) if email else ("", False)
    patient.save()
    return patient


def plan_notices() -> None:
    """The worker runs the listeners of the appointment changes made so far (notices,
    waiting-list offers), as it does within a second in production; not the deliveries."""
    run_due_tasks(task_path=PLANNING_TASK)


@dataclass
class Desk:
    """A secretary at the desk; after each change the worker plans its notices, as in
    production (moments later there)."""

    actor: Actor
    clinic: Clinic

    def book(self, patient: Patient, start: datetime, kind: AppointmentType | None = None):
        appointment = appointment_book(
            actor=self.actor,
            patient=patient,
            appointment_type=kind or self.clinic.consultation,
            start=start,
        )
        plan_notices()
        return appointment

    def move(
        self, appointment: Appointment, start: datetime, *, notify: bool = True
    ) -> Appointment:
        moved = appointment_move(
            actor=self.actor, appointment=appointment, start=start, notify=notify
        )
        plan_notices()
        return moved

    def cancel(self, appointment: Appointment, *, notify: bool = True) -> Appointment:
        cancelled = appointment_cancel(
            actor=self.actor, appointment=appointment, reason="Patienten ringede", notify=notify
        )
        plan_notices()
        return cancelled

    def undo_cancel(self, appointment: Appointment) -> Appointment:
        undone = appointment_set_status(
            actor=self.actor, appointment=appointment, status=AppointmentStatus.BOOKED
        )
        plan_notices()
        return undone


def desk_at(unit: Unit, actor: Actor) -> Desk:
    """A desk in `unit` (made a bookable clinic)."""
    return Desk(actor, clinic_create(unit))
