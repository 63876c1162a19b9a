"""The work queue's "instruction" kind (core/worklist.py): instructions whose review date falls
within `AHEAD` days or has passed, until someone records the review (instructions.py), for the
instruction's owner. The staff managers see them too; other staff do not. Due at the end of
the review day."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from klinik.core.models import Membership
from klinik.core.policy import Actor, Perm
from klinik.core.selectors import user_names
from klinik.core.worklist import WorkItem, WorkKind, WorkQuery
from klinik.staff.models import Instruction

AHEAD = 30
DAY_END = time(23, 59, 59)


def _waiting(actor: Actor, query: WorkQuery) -> QuerySet[Instruction]:
    today = timezone.localdate()
    owner_in_units = Membership.objects.filter(
        organisation_id=OuterRef("organisation_id"),
        user_id=OuterRef("owner_id"),
        unit_id__in=query.unit_ids,
        is_active=True,
    )
    rows = Instruction.objects.filter(
        organisation_id__in=actor.organisation_ids,
        review_on__lte=today + timedelta(days=AHEAD),
    ).filter(Exists(owner_in_units))
    if not actor.can(Perm.STAFF_MANAGE):
        rows = rows.filter(owner_id=actor.user.pk)
    if query.assignee_id is not None:
        rows = rows.filter(owner_id=query.assignee_id)
    if query.unassigned_only:
        return rows.none()  # every instruction has its owner
    if query.due_before is not None:
        rows = rows.filter(review_on__lt=timezone.localtime(query.due_before).date())
    return rows


def instruction_work_items(actor: Actor, query: WorkQuery) -> list[WorkItem]:
    if query.limit <= 0 or not query.unit_ids:
        return []
    rows = list(_waiting(actor, query).order_by("review_on", "title", "pk")[: query.limit])
    if not rows:
        return []
    owners = user_names(ids={i.owner_id for i in rows})
    units = dict(
        Membership.objects.filter(
            user_id__in={i.owner_id for i in rows}, unit_id__in=query.unit_ids, is_active=True
        ).values_list("user_id", "unit_id")
    )
    zone = timezone.get_default_timezone()
    return [
        WorkItem(
            kind="instruction",
            id=str(i.public_id),
            title=gettext("Instruction due for review: %(title)s") % {"title": i.title},
            url=reverse("instruction_detail", args=[i.public_id]),
            due=datetime.combine(i.review_on, DAY_END, tzinfo=zone),  # type: ignore[arg-type]
            unit_id=units.get(i.owner_id),
            assignee_id=i.owner_id,
            detail=gettext("Owner: %(who)s") % {"who": owners.get(i.owner_id, "")},
            since=i.created_at,
            is_all_day=True,
        )
        for i in rows
    ]


def instruction_work_count(actor: Actor, query: WorkQuery) -> int:
    if not query.unit_ids:
        return 0
    return _waiting(actor, query).count()


INSTRUCTION_KIND = WorkKind(
    key="instruction",
    label=_("Instructions to review"),
    perm=None,
    items=instruction_work_items,
    count=instruction_work_count,
    order=82,
)
