"""The work queue's "fees" kind: a unit's day of fees waiting for approval (suggested, or
rejected by the region and to be corrected), one item per unit and day, due by the end of the
next day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from klinik.billing.choices import FeeStatus
from klinik.billing.models import Fee
from klinik.core.policy import Actor, Perm
from klinik.core.worklist import PRIORITY_NORMAL, WorkItem, WorkKind, WorkQuery
from klinik.scheduling.availability import LOCAL


def _waiting(actor: Actor, query: WorkQuery) -> QuerySet[Fee] | None:
    if not query.unit_ids or query.assignee_id is not None:
        return None  # a day's fees are the unit's, nobody's in particular
    rows = Fee.objects.filter(
        organisation_id__in=actor.organisation_ids,
        unit_id__in=query.unit_ids,
        status__in=(FeeStatus.SUGGESTED, FeeStatus.REJECTED),
    )
    if query.due_before is not None:
        rows = rows.filter(performed_on__lt=(query.due_before - timedelta(days=1)).date())
    return rows


def _due(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=2), time(0), tzinfo=LOCAL)


def fee_work_items(actor: Actor, query: WorkQuery) -> list[WorkItem]:
    rows = _waiting(actor, query)
    if rows is None or query.limit <= 0:
        return []
    days = (
        rows.values("unit_id", "unit__public_id", "unit__name", "performed_on")
        .annotate(n=Count("id"))
        .order_by("performed_on", "unit__public_id")[: query.limit]
    )
    items = []
    for row in days:
        day = row["performed_on"]
        items.append(
            WorkItem(
                kind="fees",
                id=f"{row['unit__public_id']}:{day:%Y-%m-%d}",
                title=gettext("Approve the fees of %(day)s") % {"day": f"{day:%d.%m.%Y}"},
                url=f"/fees/?unit={row['unit__public_id']}&day={day:%d.%m.%Y}",
                due=_due(day),
                unit_id=row["unit_id"],
                priority=PRIORITY_NORMAL,
                detail=gettext("%(n)d fees · %(unit)s")
                % {"n": row["n"], "unit": row["unit__name"]},
                is_all_day=True,
            )
        )
    return items


def fee_work_count(actor: Actor, query: WorkQuery) -> int:
    rows = _waiting(actor, query)
    if rows is None:
        return 0
    return rows.values("unit_id", "performed_on").distinct().count()


FEE_KIND = WorkKind(
    key="fees",
    label=_("Fees to approve"),
    perm=Perm.FEE_APPROVE,
    items=fee_work_items,
    count=fee_work_count,
    order=70,
)
