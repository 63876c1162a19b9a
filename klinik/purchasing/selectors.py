"""Reads of stock: a product's lots and quantities, the overview with warnings (below the
reorder point, expiring within 30 days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

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


@dataclass(frozen=True)
class StockValueRow:
    name: str
    quantity: int
    value: Decimal  # quantity x unit cost of the lots with a cost, excluding VAT
    uncosted: int  # units in lots received without a price (not in the value)
    share: int  # the bar: the value as a percentage of the largest


def stock_value(*, actor: Actor) -> tuple[list[StockValueRow], Decimal]:
    """What the stock is worth, per product (lots at their unit cost from the purchase
    orders), the largest first; and the total."""
    require(actor, Perm.STOCK_VIEW)
    rows: dict[str, list[Decimal | int]] = {}
    lots = Lot.objects.filter(
        organisation_id__in=actor.organisation_ids, quantity__gt=0, product__is_active=True
    ).values_list("product__name", "quantity", "unit_cost")
    for name, quantity, cost in lots:
        row = rows.setdefault(name, [0, Decimal("0.00"), 0])
        row[0] = int(row[0]) + quantity
        if cost is None:
            row[2] = int(row[2]) + quantity
        else:
            row[1] = Decimal(row[1]) + cost * quantity
    largest = max([Decimal(r[1]) for r in rows.values()] + [Decimal(1)])
    result = [
        StockValueRow(
            name=name,
            quantity=int(quantity),
            value=Decimal(value),
            uncosted=int(uncosted),
            share=int(Decimal(value) * 100 / largest),
        )
        for name, (quantity, value, uncosted) in rows.items()
    ]
    result.sort(key=lambda r: (-r.value, r.name))
    return result, sum((r.value for r in result), Decimal("0.00"))


def stock_workbook(rows: list[StockValueRow], total: Decimal) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Lagerværdi"
    sheet.append(["Vare", "Antal på lager", "Værdi ekskl. moms", "Antal uden indkøbspris"])
    for r in rows:
        sheet.append([r.name, r.quantity, r.value, r.uncosted])
    sheet.append(["I alt", None, total, None])
    for cell in sheet["C"][1:]:
        cell.number_format = "#,##0.00"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
