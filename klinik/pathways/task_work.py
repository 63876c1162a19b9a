"""The work queue's "task" kind (core/worklist.py): open tasks assigned to the user, to their
role in their unit, or to their unit. A task is due at the end of its due day."""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from klinik.audit.choices import Channel
from klinik.core.choices import Role
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm
from klinik.core.selectors import user_names
from klinik.core.worklist import WorkItem, WorkKind, WorkQuery, work_rows, work_total, work_url
from klinik.pathways.models import Task
from klinik.pathways.task_access import access_task
from klinik.pathways.task_selectors import task_due_moment, tasks_waiting
from klinik.pathways.task_services import task_take


def _waiting(actor: Actor, query: WorkQuery) -> QuerySet[Task]:
    return tasks_waiting(
        actor=actor,
        unit_ids=query.unit_ids,
        assignee_id=query.assignee_id,
        unassigned_only=query.unassigned_only,
        due_before=query.due_before,
    )


def task_work_read(
    actor: Actor, query: WorkQuery, *, counted: bool = True
) -> tuple[list[WorkItem], int]:
    """The first `limit` items and how many there are, in one query."""
    if query.limit <= 0 or not actor.organisation_ids:
        return [], 0
    # No joins here: joining the people and units to every waiting task before the sort costs
    # more than the sort; the page's few names are read after.
    rows = work_rows(
        "task",
        actor,
        query,
        counted=counted,
        waiting=_waiting,
        page=lambda waiting: (
            waiting.annotate(total=work_total(counted=counted))
            .values(
                "total",
                "public_id",
                "title",
                "unit_id",
                "patient_id",
                "assignee_id",
                "assignee_role",
                "due",
                "priority",
                "created_at",
            )
            .order_by(F("due").asc(nulls_last=True), "-priority", "created_at", "public_id")[
                : query.limit
            ]
        ),
    )
    units = dict(Unit.objects.filter(pk__in={r["unit_id"] for r in rows}).values_list("pk", "name"))
    people = user_names(ids=(r["assignee_id"] for r in rows if r["assignee_id"]))
    url = work_url("task_detail")
    roles = dict(Role.choices)
    items = []
    for task in rows:
        unit_name = units.get(task["unit_id"], "")
        if task["assignee_id"]:
            who = people.get(task["assignee_id"], "")
        elif task["assignee_role"]:
            who = f"{roles.get(task['assignee_role'], task['assignee_role'])} · {unit_name}"
        else:
            who = unit_name
        items.append(
            WorkItem(
                kind="task",
                id=str(task["public_id"]),
                title=task["title"],
                url=url(task["public_id"]),
                due=task_due_moment(task["due"]) if task["due"] else None,
                unit_id=task["unit_id"],
                patient_id=task["patient_id"],
                assignee_id=task["assignee_id"],
                priority=task["priority"],
                detail=gettext("For: %(who)s") % {"who": who},
                since=task["created_at"],
                is_all_day=True,
            )
        )
    return items, (rows[0]["total"] if rows else 0)


def task_work_take(actor: Actor, public_id: str) -> None:
    task = access_task(
        actor=actor, public_id=public_id, channel=Channel.UI, is_logged_by_caller=True
    )
    task_take(actor=actor, task=task)


TASK_KIND = WorkKind(
    key="task",
    label=_("Tasks"),
    perm=Perm.TASK_WORK,
    order=30,
    take=task_work_take,
    read=task_work_read,
    rows=_waiting,
)
