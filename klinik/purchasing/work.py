"""The work queue's "stock" kind: lots in stock that expire within 30 days (or have expired)
and products at or below their reorder point, for the organisations of the queried units.
Stock is the organisation's, not a unit's: the items carry no unit and no patient."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm
from klinik.core.worklist import PRIORITY_HIGH, PRIORITY_NORMAL, WorkItem, WorkKind, WorkQuery
from klinik.purchasing.models import Lot, Product
from klinik.purchasing.selectors import EXPIRY_WARNING_DAYS
from klinik.scheduling.availability import LOCAL


def stock_work_items(actor: Actor, query: WorkQuery) -> list[WorkItem]:
    if not query.unit_ids or query.assignee_id is not None or query.limit <= 0:
        return []
    # The organisations of the queried units, as a subquery of each read (no query of its own).
    organisations = Unit.objects.filter(
        pk__in=query.unit_ids, organisation_id__in=actor.organisation_ids
    ).values("organisation_id")
    today = timezone.localdate()
    items = []
    lots = (
        Lot.objects.filter(
            organisation_id__in=organisations,
            quantity__gt=0,
            expiry__lte=today + timedelta(days=EXPIRY_WARNING_DAYS),
        )
        .select_related("product")
        .order_by("expiry", "public_id")[: query.limit]
    )
    for lot in lots:
        due = datetime.combine(lot.expiry + timedelta(days=1), time(0), tzinfo=LOCAL)
        if query.due_before is not None and due >= query.due_before:
            continue
        items.append(
            WorkItem(
                kind="stock",
                id=f"lot:{lot.public_id}",
                title=gettext("Lot %(lot)s of %(product)s expires")
                % {"lot": lot.lot_number, "product": lot.product.name},
                url="/stock/",
                due=due,
                unit_id=None,
                priority=PRIORITY_HIGH,
                detail=gettext("%(n)d in stock") % {"n": lot.quantity},
                is_all_day=True,
            )
        )
    if query.due_before is None:
        in_stock = (
            Lot.objects.filter(product=OuterRef("pk"))
            .order_by()
            .values("product")
            .annotate(s=Sum("quantity"))
            .values("s")
        )
        low = (
            Product.objects.filter(organisation_id__in=organisations, is_active=True)
            .annotate(
                stock=Coalesce(
                    Subquery(in_stock, output_field=IntegerField()),
                    Value(0),
                    output_field=IntegerField(),
                )
            )
            .filter(stock__lte=F("reorder_point"))
            .order_by("name")[: query.limit]
        )
        for product in low:
            items.append(
                WorkItem(
                    kind="stock",
                    id=f"product:{product.public_id}",
                    title=gettext("Reorder %(product)s") % {"product": product.name},
                    url="/stock/",
                    due=None,
                    unit_id=None,
                    priority=PRIORITY_NORMAL,
                    detail=gettext("%(n)d in stock") % {"n": product.stock},
                )
            )
    return items[: query.limit]


def stock_work_count(actor: Actor, query: WorkQuery) -> int:
    every = WorkQuery(
        unit_ids=query.unit_ids,
        limit=1000,
        assignee_id=query.assignee_id,
        due_before=query.due_before,
    )
    return len(stock_work_items(actor, every))


STOCK_KIND = WorkKind(
    key="stock",
    label=_("Stock to see to"),
    perm=Perm.STOCK_MANAGE,
    items=stock_work_items,
    count=stock_work_count,
    order=80,
)
