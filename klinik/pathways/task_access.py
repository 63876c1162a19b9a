"""The door to one task: the same 404 for missing and not-yours, the read logged (a task may
name a patient)."""

from __future__ import annotations

import uuid

from django.http import Http404

from klinik.audit.choices import Action, Channel
from klinik.core.policy import Actor, Perm, require
from klinik.pathways.history import pathways_access_log
from klinik.pathways.models import Task


def access_task(
    *,
    actor: Actor,
    public_id: uuid.UUID | str,
    channel: Channel,
    is_logged_by_caller: bool = False,
) -> Task:
    """The task (patient, unit, assignee and creator loaded) when it belongs to one of the
    actor's organisations; Http404 otherwise. `is_logged_by_caller`: the caller changes the
    task at once and its own entry names it (one entry, not two)."""
    require(actor, Perm.TASK_WORK)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    task = (
        Task.objects.filter(public_id=key, organisation_id__in=actor.organisation_ids)
        .select_related("patient", "unit", "assignee", "created_by", "closed_by")
        .first()
    )
    if task is None:
        raise Http404
    if not is_logged_by_caller:
        pathways_access_log(
            actor=actor,
            action=Action.VIEW,
            object_type="task",
            object_id=task.public_id,
            patient_public_id=task.patient.public_id if task.patient else None,
            organisation_id=task.organisation_id,
            channel=channel,
        )
    return task
