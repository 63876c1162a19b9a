"""Reads of tasks: the work queue's view of them (what waits for the actor: assigned to them,
to their role in the unit, or to the unit), one task's comments, and a unit's task list."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.pathways.choices import TaskStatus
from klinik.pathways.models import Task, TaskComment

# A task is due on a day: it is due until that day's end (local time), then overdue.
DAY_END = time(23, 59, 59)
TASK_LIST_LIMIT = 200


def task_due_moment(day: date) -> datetime:
    """The end of the due day, local time: the moment after which the task is overdue."""
    return datetime.combine(day, DAY_END, tzinfo=timezone.get_default_timezone())


def task_due_cutoff(before: datetime) -> date:
    """The last due day whose end lies before `before`."""
    local = timezone.localtime(before, timezone.get_default_timezone()).date()
    return local if task_due_moment(local) < before else local - timedelta(days=1)


def tasks_waiting(
    *,
    actor: Actor,
    unit_ids: frozenset[int],
    assignee_id: int | None = None,
    unassigned_only: bool = False,
    due_before: datetime | None = None,
) -> QuerySet[Task]:
    """Open tasks that wait for the actor: those assigned to them (in any unit of their
    organisation), and in the units asked for those assigned to the unit or to the actor's
    role. `assignee_id`: only that person's (in the units asked for, or anywhere when it is
    the actor); `unassigned_only`: only those nobody has taken. Unordered, unloaded: the
    work queue's kind orders, limits and names them."""
    rows = Task.objects.filter(organisation_id__in=actor.organisation_ids, status=TaskStatus.OPEN)
    for_anyone = Q(unit_id__in=unit_ids, assignee__isnull=True) & (
        Q(assignee_role="") | Q(assignee_role=actor.role)
    )
    if assignee_id is not None:
        mine = assignee_id == actor.user.pk
        rows = rows.filter(
            Q(assignee_id=assignee_id) if mine else Q(assignee_id=assignee_id, unit_id__in=unit_ids)
        )
    elif unassigned_only:
        rows = rows.filter(for_anyone)
    else:
        rows = rows.filter(Q(assignee_id=actor.user.pk) | for_anyone)
    if due_before is not None:
        rows = rows.filter(due__lte=task_due_cutoff(due_before))
    return rows


def task_comments(*, task: Task) -> list[TaskComment]:
    """The task's comments, oldest first, with their authors (after the door, access_task)."""
    return list(
        TaskComment.objects.filter(organisation_id=task.organisation_id, task=task)
        .select_related("author")
        .order_by("at", "id")
    )


def task_list(
    *,
    actor: Actor,
    unit: Unit,
    status: str = TaskStatus.OPEN,
    limit: int = TASK_LIST_LIMIT,
    channel: Channel = Channel.UI,
) -> list[Task]:
    """A unit's tasks with the status, the soonest due first (those without a due date last),
    patient and assignee loaded. The rows name patients: one access-log entry (ADR 0015)."""
    require(actor, Perm.TASK_WORK)
    if unit.organisation_id not in actor.organisation_ids:
        return []
    tasks = list(
        Task.objects.filter(organisation_id=unit.organisation_id, unit=unit, status=status)
        .select_related("patient", "unit", "assignee")
        .order_by(F("due").asc(nulls_last=True), "-priority", "created_at", "public_id")[:limit]
    )
    patient_list_log(actor, "task_list", len(tasks), channel)
    return tasks
