"""Tasks (opgaver) over REST: create, read one, list a unit's, change (assign, close, reopen,
edit) and comment. Ids are public ids; refusals are 422 naming the field, nothing written."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from ninja import Field, Router, Schema
from ninja.errors import HttpError

from klinik.api.types import ApiDate, Out
from klinik.audit.choices import Channel
from klinik.core.choices import Role
from klinik.core.http import ApiRequest
from klinik.core.models import Unit, User
from klinik.pathways.choices import TaskStatus
from klinik.pathways.models import Task, TaskComment
from klinik.pathways.task_access import access_task
from klinik.pathways.task_selectors import task_comments, task_list
from klinik.pathways.task_services import (
    UNSET,
    task_assign,
    task_cancel,
    task_comment,
    task_complete,
    task_create,
    task_edit,
    task_reopen,
)
from klinik.patients.access import access_patient
from klinik.worklist.selectors import worklist_person, worklist_units

router = Router(tags=["tasks"])

Priority = Literal[0, 1, 2, 3]


class TaskIn(Schema):
    title: str = Field(max_length=200)
    patient: uuid.UUID | None = None
    unit: uuid.UUID | None = None  # default: the token's unit
    assignee: uuid.UUID | None = None  # a person in the organisation
    assignee_role: Role | None = None  # or a role in the unit; neither: the unit
    due: ApiDate | None = None
    priority: Priority = 1  # 0 low, 1 normal (default), 2 high, 3 acute
    comment: str = Field(default="", max_length=4000)


class TaskPatch(Schema):
    """Only the fields sent change. `status` closes (`done`, `cancelled`) or reopens (`open`)
    the task; `assignee`/`assignee_role`/`unit` reassign it (`assignee: null` and no role: the
    unit); `comment` adds a comment."""

    title: str | None = Field(default=None, max_length=200)
    due: ApiDate | None = None
    priority: Priority | None = None
    assignee: uuid.UUID | None = None
    assignee_role: Role | None = None
    unit: uuid.UUID | None = None
    status: TaskStatus | None = None
    comment: str = Field(default="", max_length=4000)


class CommentIn(Schema):
    text: str = Field(max_length=4000)


class CommentOut(Out):
    author: str
    text: str
    at: datetime


class TaskOut(Out):
    id: uuid.UUID
    title: str
    status: str
    patient: uuid.UUID | None
    patient_name: str
    unit: uuid.UUID
    assignee: uuid.UUID | None
    assignee_name: str
    assignee_role: str
    due: date | None
    priority: int
    source: str
    created_at: datetime
    closed_at: datetime | None
    comments: list[CommentOut]


def _task_out(task: Task, comments: list[TaskComment] | None = None) -> TaskOut:
    return TaskOut(
        id=task.public_id,
        title=task.title,
        status=task.status,
        patient=task.patient.public_id if task.patient else None,
        patient_name=task.patient.name if task.patient else "",
        unit=task.unit.public_id,
        assignee=task.assignee.public_id if task.assignee else None,
        assignee_name=(task.assignee.get_full_name() or task.assignee.username)
        if task.assignee
        else "",
        assignee_role=task.assignee_role,
        due=task.due,
        priority=task.priority,
        source=task.source,
        created_at=task.created_at,
        closed_at=task.closed_at,
        comments=[
            CommentOut(author=c.author.get_full_name() or c.author.username, text=c.text, at=c.at)
            for c in (comments or [])
        ],
    )


def _unit(request: ApiRequest, unit: uuid.UUID | None, *, missing: int = 422) -> Unit:
    """The unit named (default: the token's). A unit that is not the organisation's is bad
    input in a body (422) and not found in a query (404), as the waiting list answers."""
    actor = request.auth
    if unit is None:
        if actor.unit is None:
            raise HttpError(422, "unit: required (the token has no unit)")
        return actor.unit
    found = worklist_units(actor=actor).filter(public_id=unit).first()
    if found is None:
        if missing == 404:
            raise HttpError(404, "unit: not found")
        raise HttpError(422, "unit: not a unit of your organisation")
    return found


def _person(request: ApiRequest, public_id: uuid.UUID) -> User:
    person = worklist_person(actor=request.auth, public_id=public_id)
    if person is None:
        raise HttpError(422, "assignee: the person is not active in the unit's organisation")
    return person


def _reread(request: ApiRequest, task: Task) -> TaskOut:
    fresh = access_task(
        actor=request.auth, public_id=task.public_id, channel=Channel.API, is_logged_by_caller=True
    )
    return _task_out(fresh, task_comments(task=fresh))


@router.post("/tasks", response={201: TaskOut}, summary="Create a task")
def task_create_endpoint(request: ApiRequest, payload: TaskIn) -> tuple[int, TaskOut]:
    actor = request.auth
    if payload.assignee is not None and payload.assignee_role is not None:
        raise HttpError(422, "assignee_role: give a person or a role, not both")
    unit = _unit(request, payload.unit)
    patient = (
        access_patient(
            actor=actor,
            public_id=payload.patient,
            channel=Channel.API,
            object_type="task",
            is_logged_by_caller=True,
        )
        if payload.patient
        else None
    )
    assignee = _person(request, payload.assignee) if payload.assignee else None
    task = task_create(
        actor=actor,
        title=payload.title,
        unit=unit,
        patient=patient,
        assignee=assignee,
        assignee_role=payload.assignee_role or "",
        due=payload.due,
        priority=payload.priority,
        channel=Channel.API,
    )
    if payload.comment.strip():
        task_comment(actor=actor, task=task, text=payload.comment, channel=Channel.API)
    return 201, _reread(request, task)


@router.get("/tasks", response=list[TaskOut], summary="A unit's tasks")
def task_list_endpoint(
    request: ApiRequest, unit: uuid.UUID | None = None, status: TaskStatus = TaskStatus.OPEN
) -> list[TaskOut]:
    """The unit's tasks with the status (default open), the soonest due first; logged once."""
    found = _unit(request, unit, missing=404)
    tasks = task_list(actor=request.auth, unit=found, status=status, channel=Channel.API)
    return [_task_out(task) for task in tasks]


@router.get("/tasks/{task_id}", response=TaskOut, summary="One task with its comments")
def task_get_endpoint(request: ApiRequest, task_id: uuid.UUID) -> TaskOut:
    task = access_task(actor=request.auth, public_id=task_id, channel=Channel.API)
    return _task_out(task, task_comments(task=task))


@router.patch("/tasks/{task_id}", response=TaskOut, summary="Change a task")
def task_patch_endpoint(request: ApiRequest, task_id: uuid.UUID, payload: TaskPatch) -> TaskOut:
    actor = request.auth
    sent = payload.model_fields_set
    task = access_task(
        actor=actor, public_id=task_id, channel=Channel.API, is_logged_by_caller=True
    )
    if payload.assignee is not None and payload.assignee_role is not None:
        raise HttpError(422, "assignee_role: give a person or a role, not both")
    # Check every id before the first write: a refusal writes nothing.
    assignee = _person(request, payload.assignee) if payload.assignee else None
    unit = _unit(request, payload.unit) if payload.unit else None
    if payload.status == TaskStatus.OPEN and task.status != TaskStatus.OPEN:
        task = task_reopen(actor=actor, task=task, channel=Channel.API)
    if sent & {"title", "due", "priority"}:
        task = task_edit(
            actor=actor,
            task=task,
            title=payload.title,
            due=payload.due if "due" in sent else UNSET,
            priority=payload.priority,
            channel=Channel.API,
        )
    if sent & {"assignee", "assignee_role", "unit"}:
        task = task_assign(
            actor=actor,
            task=task,
            assignee=assignee,
            assignee_role=payload.assignee_role or "",
            unit=unit,
            channel=Channel.API,
        )
    if payload.status in (TaskStatus.DONE, TaskStatus.CANCELLED):
        close = task_complete if payload.status == TaskStatus.DONE else task_cancel
        task = close(actor=actor, task=task, comment=payload.comment, channel=Channel.API)
    elif payload.comment.strip():
        task_comment(actor=actor, task=task, text=payload.comment, channel=Channel.API)
    return _reread(request, task)


@router.post("/tasks/{task_id}/comments", response={201: TaskOut}, summary="Comment on a task")
def task_comment_endpoint(
    request: ApiRequest, task_id: uuid.UUID, payload: CommentIn
) -> tuple[int, TaskOut]:
    task = access_task(
        actor=request.auth, public_id=task_id, channel=Channel.API, is_logged_by_caller=True
    )
    task_comment(actor=request.auth, task=task, text=payload.text, channel=Channel.API)
    return 201, _reread(request, task)
