"""Creating tasks (opgaver). `task_create` is the door for screens, the API and rules;
`task_insert` is the same write inside a caller's transaction (a rule's task is made with the
referral that brings it). The other task services (assign, complete, comment) and the task
screens are the work queue's (issue 14, item 5/6)."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Final

from django.db import transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel
from klinik.core.choices import Role
from klinik.core.models import Membership, Unit, User
from klinik.core.policy import Actor, Perm, require
from klinik.pathways.choices import TASK_SOURCE_MANUAL, TaskPriority, TaskStatus
from klinik.pathways.errors import PathwayCode, PathwayError
from klinik.pathways.history import pathways_access_log
from klinik.pathways.models import Pathway, Referral, Task, TaskComment
from klinik.patients.models import Patient

TITLE_MAX = 200


class Unset(Enum):
    """A field a partial change does not touch (None is a value: "no due date")."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


def _task_check(
    *,
    actor: Actor | None,
    title: str,
    unit: Unit,
    patient: Patient | None,
    referral: Referral | None,
    pathway: Pathway | None,
    assignee: User | None,
    assignee_role: str,
    priority: int,
) -> str:
    title = " ".join(title.split())
    if not title:
        raise PathwayError(PathwayCode.REQUIRED, PathwayError.REQUIRED, field="title")
    if len(title) > TITLE_MAX:
        raise PathwayError(
            PathwayCode.TOO_LONG, PathwayError.TOO_LONG % {"max": TITLE_MAX}, field="title"
        )
    organisation_id = unit.organisation_id
    if actor is not None and organisation_id not in actor.organisation_ids:
        raise PathwayError(PathwayCode.UNIT_NOT_YOURS, PathwayError.UNIT_NOT_YOURS, field="unit")
    for name, thing in (("patient", patient), ("referral", referral), ("pathway", pathway)):
        if thing is not None and thing.organisation_id != organisation_id:
            raise PathwayError(
                PathwayCode.PATIENT_NOT_YOURS, PathwayError.PATIENT_NOT_YOURS, field=name
            )
    if assignee is not None and not (
        assignee.is_active
        and Membership.objects.filter(
            organisation_id=organisation_id, user=assignee, is_active=True
        ).exists()
    ):
        raise PathwayError(
            PathwayCode.ASSIGNEE_NOT_MEMBER, PathwayError.ASSIGNEE_NOT_MEMBER, field="assignee"
        )
    if assignee_role and assignee_role not in Role.values:
        raise PathwayError(
            PathwayCode.BAD_ROLE,
            PathwayError.BAD_ROLE % {"role": assignee_role},
            field="assignee_role",
        )
    if priority not in TaskPriority.values:
        raise PathwayError(
            PathwayCode.BAD_VALUE, PathwayError.BAD_VALUE % {"value": priority}, field="priority"
        )
    return title


def task_insert(
    *,
    actor: Actor | None,
    title: str,
    unit: Unit,
    patient: Patient | None = None,
    referral: Referral | None = None,
    pathway: Pathway | None = None,
    assignee: User | None = None,
    assignee_role: str = "",
    due: date | None = None,
    priority: int = TaskPriority.NORMAL,
    source: str = TASK_SOURCE_MANUAL,
    channel: Channel = Channel.UI,
) -> Task:
    """Write the task inside the caller's transaction (checks as task_create; no permission
    check: the caller's service holds its own)."""
    title = _task_check(
        actor=actor,
        title=title,
        unit=unit,
        patient=patient,
        referral=referral,
        pathway=pathway,
        assignee=assignee,
        assignee_role=assignee_role,
        priority=priority,
    )
    if patient is None:
        patient = referral.patient if referral else (pathway.patient if pathway else None)
    task = Task.objects.create(
        organisation_id=unit.organisation_id,
        unit=unit,
        title=title,
        patient=patient,
        referral=referral,
        pathway=pathway,
        assignee=assignee,
        assignee_role=assignee_role,
        due=due,
        priority=priority,
        source=source[:60],
        created_by=actor.user if actor is not None else None,
    )
    pathways_access_log(
        actor=actor,
        action=Action.CREATE,
        object_type="task",
        object_id=task.public_id,
        patient_public_id=patient.public_id if patient is not None else None,
        organisation_id=task.organisation_id,
        channel=channel,
        reason=task.source,
    )
    return task


def task_create(
    *,
    actor: Actor,
    title: str,
    unit: Unit,
    patient: Patient | None = None,
    referral: Referral | None = None,
    pathway: Pathway | None = None,
    assignee: User | None = None,
    assignee_role: str = "",
    due: date | None = None,
    priority: int = TaskPriority.NORMAL,
    source: str = TASK_SOURCE_MANUAL,
    channel: Channel = Channel.UI,
) -> Task:
    """Create a task for a person (`assignee`), a role in the unit (`assignee_role`) or the
    unit. Everything it names must belong to the unit's organisation; a refusal writes
    nothing."""
    require(actor, Perm.TASK_WORK)
    with transaction.atomic(durable=True):
        return task_insert(
            actor=actor,
            title=title,
            unit=unit,
            patient=patient,
            referral=referral,
            pathway=pathway,
            assignee=assignee,
            assignee_role=assignee_role,
            due=due,
            priority=priority,
            source=source,
            channel=channel,
        )


# The work on a task: assign, comment, complete, cancel, reopen, edit (issue 14, item 5) ----------

COMMENT_MAX = 4000


def _task_locked(task: Task) -> Task:
    """The task's row, locked until the caller's transaction ends (the one lock of tasks)."""
    return Task.objects.select_for_update().get(pk=task.pk)


def _task_log(actor: Actor, task: Task, channel: Channel, reason: str) -> None:
    pathways_access_log(
        actor=actor,
        action=Action.UPDATE,
        object_type="task",
        object_id=task.public_id,
        patient_public_id=task.patient.public_id if task.patient_id and task.patient else None,
        organisation_id=task.organisation_id,
        channel=channel,
        reason=reason,
    )


def _task_open(task: Task) -> None:
    if task.status != TaskStatus.OPEN:
        raise PathwayError(PathwayCode.TASK_CLOSED, PathwayError.TASK_CLOSED, field="status")


def _comment_clean(text: str, *, required: bool) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise PathwayError(PathwayCode.REQUIRED, PathwayError.REQUIRED, field="text")
    if len(text) > COMMENT_MAX:
        raise PathwayError(
            PathwayCode.TOO_LONG, PathwayError.TOO_LONG % {"max": COMMENT_MAX}, field="text"
        )
    return text


def _comment_add(actor: Actor, task: Task, text: str) -> TaskComment:
    return TaskComment.objects.create(
        organisation_id=task.organisation_id,
        task=task,
        author=actor.user,
        text=text,
        at=timezone.now(),
    )


def task_assign(
    *,
    actor: Actor,
    task: Task,
    assignee: User | None = None,
    assignee_role: str = "",
    unit: Unit | None = None,
    channel: Channel = Channel.UI,
) -> Task:
    """Give the open task to a person (`assignee`), to a role in a unit (`assignee_role`, with
    `unit` or the task's unit), or to a unit (neither). The person must be active in the
    task's organisation, the unit one of its units; a refusal writes nothing."""
    require(actor, Perm.TASK_WORK)
    if assignee is not None and assignee_role:
        raise PathwayError(
            PathwayCode.BAD_VALUE,
            PathwayError.BAD_VALUE % {"value": assignee_role},
            field="assignee_role",
        )
    target = unit or task.unit
    if target.organisation_id != task.organisation_id:
        raise PathwayError(PathwayCode.UNIT_NOT_YOURS, PathwayError.UNIT_NOT_YOURS, field="unit")
    with transaction.atomic(durable=True):
        locked = _task_locked(task)
        _task_open(locked)
        _task_check(
            actor=actor,
            title=locked.title,
            unit=target,
            patient=None,
            referral=None,
            pathway=None,
            assignee=assignee,
            assignee_role=assignee_role,
            priority=locked.priority,
        )
        locked.unit = target
        locked.assignee = assignee
        locked.assignee_role = assignee_role
        locked.save(update_fields=["unit", "assignee", "assignee_role"])
        locked.patient = task.patient
        who = (
            f"user {assignee.public_id}"
            if assignee
            else (f"role {assignee_role}" if assignee_role else "unit")
        )
        _task_log(actor, locked, channel, f"assigned to {who} in unit {target.public_id}")
    return locked


def task_take(*, actor: Actor, task: Task, channel: Channel = Channel.UI) -> Task:
    """ "Assign to me": the actor takes the open task (in the task's unit)."""
    return task_assign(actor=actor, task=task, assignee=actor.user, channel=channel)


def task_comment(
    *, actor: Actor, task: Task, text: str, channel: Channel = Channel.UI
) -> TaskComment:
    """A comment on the task (open or closed: what happened afterwards is worth writing)."""
    require(actor, Perm.TASK_WORK)
    text = _comment_clean(text, required=True)
    with transaction.atomic(durable=True):
        locked = _task_locked(task)
        comment = _comment_add(actor, locked, text)
        locked.patient = task.patient
        _task_log(actor, locked, channel, "comment")
    return comment


def _task_close(
    actor: Actor, task: Task, status: TaskStatus, comment: str, channel: Channel
) -> Task:
    require(actor, Perm.TASK_WORK)
    text = _comment_clean(comment, required=False)
    with transaction.atomic(durable=True):
        locked = _task_locked(task)
        _task_open(locked)
        locked.status = status
        locked.closed_at = timezone.now()
        locked.closed_by = actor.user
        locked.save(update_fields=["status", "closed_at", "closed_by"])
        if text:
            _comment_add(actor, locked, text)
        locked.patient = task.patient
        _task_log(actor, locked, channel, str(status))
    return locked


def task_complete(
    *, actor: Actor, task: Task, comment: str = "", channel: Channel = Channel.UI
) -> Task:
    """The task is done (with an optional last comment)."""
    return _task_close(actor, task, TaskStatus.DONE, comment, channel)


def task_cancel(
    *, actor: Actor, task: Task, comment: str = "", channel: Channel = Channel.UI
) -> Task:
    """The task is no longer needed (with an optional comment saying why)."""
    return _task_close(actor, task, TaskStatus.CANCELLED, comment, channel)


def task_reopen(*, actor: Actor, task: Task, channel: Channel = Channel.UI) -> Task:
    """A done or cancelled task is open again, with its assignment as it was."""
    require(actor, Perm.TASK_WORK)
    with transaction.atomic(durable=True):
        locked = _task_locked(task)
        if locked.status == TaskStatus.OPEN:
            raise PathwayError(PathwayCode.TASK_OPEN, PathwayError.TASK_OPEN, field="status")
        locked.status = TaskStatus.OPEN
        locked.closed_at = None
        locked.closed_by = None
        locked.save(update_fields=["status", "closed_at", "closed_by"])
        locked.patient = task.patient
        _task_log(actor, locked, channel, "reopened")
    return locked


def task_edit(
    *,
    actor: Actor,
    task: Task,
    title: str | None = None,
    due: date | Unset | None = UNSET,
    priority: int | None = None,
    channel: Channel = Channel.UI,
) -> Task:
    """Change the open task's title, due date (None: no due date) or priority; what is not
    given stays."""
    require(actor, Perm.TASK_WORK)
    with transaction.atomic(durable=True):
        locked = _task_locked(task)
        _task_open(locked)
        clean_title = _task_check(
            actor=actor,
            title=locked.title if title is None else title,
            unit=locked.unit,
            patient=None,
            referral=None,
            pathway=None,
            assignee=None,
            assignee_role="",
            priority=locked.priority if priority is None else priority,
        )
        locked.title = clean_title
        if priority is not None:
            locked.priority = priority
        if not isinstance(due, Unset):
            locked.due = due
        locked.save(update_fields=["title", "priority", "due"])
        locked.patient = task.patient
        _task_log(actor, locked, channel, "edited")
    return locked
