"""The work queue's "delegation" kind (core/worklist.py): delegations that run out or are due
for review within `AHEAD` days — or did so in the last `BEHIND` days and have not been renewed
— in the queried units, for the doctor who gave them. Due at the end of the earlier of the
end date and the review date."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import DateField, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Least
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from klinik.core.choices import Role
from klinik.core.policy import Actor, Perm
from klinik.core.selectors import user_names
from klinik.core.worklist import WorkItem, WorkKind, WorkQuery
from klinik.staff.choices import DelegatedTask
from klinik.staff.models import Delegation

AHEAD = 30
BEHIND = 30
DAY_END = time(23, 59, 59)


def _due(day: object) -> datetime:
    return datetime.combine(day, DAY_END, tzinfo=timezone.get_default_timezone())  # type: ignore[arg-type]


def _waiting(actor: Actor, query: WorkQuery) -> QuerySet[Delegation]:
    today = timezone.localdate()
    renewed = Delegation.objects.filter(
        organisation_id=OuterRef("organisation_id"),
        task=OuterRef("task"),
        delegate_id=OuterRef("delegate_id"),
        delegate_role=OuterRef("delegate_role"),
        unit_id=OuterRef("unit_id"),
        revoked_at__isnull=True,
        valid_from__gt=OuterRef("valid_from"),
    )
    rows = (
        Delegation.objects.filter(
            organisation_id__in=actor.organisation_ids,
            unit_id__in=query.unit_ids,
            revoked_at__isnull=True,
        )
        .filter(Q(valid_to__isnull=False) | Q(review_on__isnull=False))
        .annotate(
            due_on=Least(
                Coalesce("valid_to", "review_on"),
                Coalesce("review_on", "valid_to"),
                output_field=DateField(),
            )
        )
        .filter(
            due_on__lte=today + timedelta(days=AHEAD), due_on__gte=today - timedelta(days=BEHIND)
        )
        .exclude(Exists(renewed))
    )
    if query.assignee_id is not None:
        rows = rows.filter(delegator_id=query.assignee_id)
    if query.unassigned_only:
        return rows.none()  # every delegation has its doctor
    if query.due_before is not None:
        rows = rows.filter(due_on__lt=timezone.localtime(query.due_before).date())
    return rows


def delegation_work_items(actor: Actor, query: WorkQuery) -> list[WorkItem]:
    if query.limit <= 0 or not query.unit_ids:
        return []
    rows = list(
        _waiting(actor, query)  # type: ignore[misc]  # `due_on` is _waiting's annotation
        .values(
            "public_id",
            "task",
            "unit_id",
            "delegator_id",
            "delegate_id",
            "delegate_role",
            "due_on",
            "valid_to",
            "created_at",
        )
        .order_by(F("due_on").asc(), "created_at", "public_id")[: query.limit]
    )
    people = user_names(ids={r["delegate_id"] for r in rows if r["delegate_id"]})
    tasks, roles = dict(DelegatedTask.choices), dict(Role.choices)
    items = []
    for row in rows:
        who = (
            people.get(row["delegate_id"], "")
            if row["delegate_id"]
            else roles.get(row["delegate_role"], row["delegate_role"])
        )
        ending = row["valid_to"] is not None and row["valid_to"] == row["due_on"]
        title = (
            gettext("Delegation runs out: %(task)s")
            if ending
            else gettext("Delegation due for review: %(task)s")
        )
        items.append(
            WorkItem(
                kind="delegation",
                id=str(row["public_id"]),
                title=title % {"task": str(tasks.get(row["task"], row["task"])).lower()},
                url=reverse("delegation_detail", args=[row["public_id"]]),
                due=_due(row["due_on"]),
                unit_id=row["unit_id"],
                assignee_id=row["delegator_id"],
                detail=gettext("To: %(who)s") % {"who": who},
                since=row["created_at"],
                is_all_day=True,
            )
        )
    return items


def delegation_work_count(actor: Actor, query: WorkQuery) -> int:
    if not query.unit_ids:
        return 0
    return _waiting(actor, query).count()


DELEGATION_KIND = WorkKind(
    key="delegation",
    label=_("Delegations to renew"),
    perm=Perm.RECORD_WRITE,
    items=delegation_work_items,
    count=delegation_work_count,
    order=80,
)
