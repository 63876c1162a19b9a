"""Reads of stock: a product's lots and quantities, the overview with warnings (below the
reorder point, expiring within 30 days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.http import Http404

from klinik.core.policy import Actor, Perm, require
from klinik.purchasing.models import Lot, Product

EXPIRY_WARNING_DAYS = 30


def product_access(*, actor: Actor, public_id: object) -> Product:
    require(actor, Perm.STOCK_VIEW)
    import uuid

    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    found = Product.objects.filter(
        organisation_id__in=actor.organisation_ids, public_id=key
    ).first()
    if found is None:
        raise Http404
    return found


def lot_access(*, actor: Actor, public_id: object) -> Lot:
    require(actor, Perm.STOCK_VIEW)
    import uuid

    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    found = Lot.objects.filter(organisation_id__in=actor.organisation_ids, public_id=key).first()
    if found is None:
        raise Http404
    return found


def stock_lots(*, actor: Actor, product: Product | None = None) -> list[Lot]:
    require(actor, Perm.STOCK_VIEW)
    lots = Lot.objects.filter(organisation_id__in=actor.organisation_ids, quantity__gt=0)
    if product is not None:
        lots = lots.filter(product=product)
    return list(
        lots.select_related("product", "location").order_by("product__name", "expiry", "lot_number")
    )


@dataclass(frozen=True)
class StockRow:
    product: Product
    quantity: int
    lots: list[Lot]
    is_below_reorder: bool
    expiring: list[Lot]
    expired: list[Lot]


def stock_overview(*, actor: Actor, today: date) -> list[StockRow]:
    require(actor, Perm.STOCK_VIEW)
    products = list(
        Product.objects.filter(organisation_id__in=actor.organisation_ids, is_active=True)
        .select_related("supplier")
        .order_by("name")
    )
    lots = stock_lots(actor=actor)
    soon = today + timedelta(days=EXPIRY_WARNING_DAYS)
    rows = []
    for product in products:
        mine = [lot for lot in lots if lot.product_id == product.pk]
        quantity = sum(lot.quantity for lot in mine)
        rows.append(
            StockRow(
                product=product,
                quantity=quantity,
                lots=mine,
                is_below_reorder=quantity <= product.reorder_point,
                expiring=[lot for lot in mine if today <= lot.expiry <= soon],
                expired=[lot for lot in mine if lot.expiry < today],
            )
        )
    return rows
