"""Creating tasks (opgaver). `task_create` is the door for screens, the API and rules;
`task_insert` is the same write inside a caller's transaction (a rule's task is made with the
referral that brings it). The other task services (assign, complete, comment) and the task
screens are the work queue's (issue 14, item 5/6)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from klinik.audit.choices import Action, Channel
from klinik.core.choices import Role
from klinik.core.models import Membership, Unit, User
from klinik.core.policy import Actor, Perm, require
from klinik.pathways.choices import TASK_SOURCE_MANUAL, TaskPriority
from klinik.pathways.errors import PathwayCode, PathwayError
from klinik.pathways.history import pathways_access_log
from klinik.pathways.models import Pathway, Referral, Task
from klinik.patients.models import Patient

TITLE_MAX = 200


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
