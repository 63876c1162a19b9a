"""Reads of buying: suppliers and purchase orders of the actor's organisations (no patient
data); one door per row, the same 404 for missing and foreign."""

from __future__ import annotations

import uuid
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from klinik.core.policy import Actor, Perm, require
from klinik.purchasing.models import PurchaseOrder, Supplier

M = TypeVar("M", bound=Model)


def _one(rows: QuerySet[M], actor: Actor, public_id: object) -> M:
    require(actor, Perm.STOCK_VIEW)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    found = rows.filter(organisation_id__in=actor.organisation_ids, public_id=key).first()
    if found is None:
        raise Http404
    return found


def supplier_access(*, actor: Actor, public_id: object) -> Supplier:
    return _one(Supplier.objects.all(), actor, public_id)


def order_access(*, actor: Actor, public_id: object) -> PurchaseOrder:
    return _one(PurchaseOrder.objects.select_related("supplier"), actor, public_id)


def suppliers_list(*, actor: Actor, active_only: bool = False) -> list[Supplier]:
    require(actor, Perm.STOCK_VIEW)
    rows = Supplier.objects.filter(organisation_id__in=actor.organisation_ids)
    if active_only:
        rows = rows.filter(is_active=True)
    return list(rows.order_by("-is_active", "name"))


def orders_list(*, actor: Actor, limit: int = 100) -> list[PurchaseOrder]:
    require(actor, Perm.STOCK_VIEW)
    return list(
        PurchaseOrder.objects.filter(organisation_id__in=actor.organisation_ids)
        .select_related("supplier")
        .prefetch_related("lines__product")
        .order_by("-number")[:limit]
    )
