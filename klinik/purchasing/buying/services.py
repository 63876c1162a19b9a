"""Writes of buying: suppliers (created, changed), purchase orders drafted with lines, sent
(ordered), and received line by line with lot and expiry into stock. An order is received when
every line has come in full; a line received in part stays outstanding."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from klinik.audit.choices import Channel
from klinik.core.policy import Actor, Perm, require
from klinik.purchasing.choices import OrderStatus
from klinik.purchasing.errors import StockCode, stock_error
from klinik.purchasing.models import Product, PurchaseOrder, PurchaseOrderLine, Supplier
from klinik.purchasing.services import (
    DEFAULT_LOCATION,
    QUANTITY_MAX,
    _organisation_id,
    _text,
    lot_input_check,
    lot_receive_within,
)

_CVR = re.compile(r"^\d{8}$")
LINES_MAX = 50
COST_MAX = Decimal("999999.99")


def _optional(value: str, field: str, limit: int) -> str:
    value = " ".join((value or "").split())
    if len(value) > limit:
        raise stock_error(StockCode.TOO_LONG, field, max=limit)
    return value


def supplier_save(
    *,
    actor: Actor,
    name: str,
    cvr: str = "",
    email: str = "",
    phone: str = "",
    address: str = "",
    customer_number: str = "",
    is_active: bool = True,
    supplier: Supplier | None = None,
) -> Supplier:
    """Create a supplier, or change `supplier`. Fields: name, cvr, email, phone, address,
    customer_number."""
    require(actor, Perm.STOCK_MANAGE)
    organisation_id = _organisation_id(actor)
    if supplier is not None and supplier.organisation_id not in actor.organisation_ids:
        raise stock_error(StockCode.BAD_VALUE, "supplier", value=supplier.name)
    cvr = re.sub(r"\s", "", cvr or "")
    if cvr and not _CVR.match(cvr):
        raise stock_error(StockCode.BAD_CVR, "cvr")
    values = {
        "name": _text(name, "name", 200),
        "cvr": cvr,
        "email": _optional(email, "email", 254),
        "phone": _optional(phone, "phone", 30),
        "address": _optional(address, "address", 300),
        "customer_number": _optional(customer_number, "customer_number", 40),
        "is_active": is_active,
    }
    with transaction.atomic(durable=True):
        if supplier is None:
            return Supplier.objects.create(organisation_id=organisation_id, **values)
        for field, value in values.items():
            setattr(supplier, field, value)
        supplier.save(update_fields=list(values))
        return supplier


@dataclass(frozen=True)
class OrderLineInput:
    product: Product
    quantity: object
    unit_cost: object


def _whole(value: object, field: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise stock_error(StockCode.NOT_POSITIVE, field) from exc
    if number <= 0 or number > QUANTITY_MAX:
        raise stock_error(StockCode.NOT_POSITIVE, field)
    return number


def _cost(value: object, field: str) -> Decimal:
    text = str(value if value is not None else "").strip().replace(" ", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise stock_error(StockCode.BAD_COST, field) from exc
    if not number.is_finite() or number < 0 or number > COST_MAX:
        raise stock_error(StockCode.BAD_COST, field)
    if number != number.quantize(Decimal("0.01")):
        raise stock_error(StockCode.BAD_COST, field)
    return number.quantize(Decimal("0.01"))


def order_create(
    *,
    actor: Actor,
    supplier: Supplier,
    lines: Sequence[OrderLineInput],
    note: str = "",
) -> PurchaseOrder:
    """A draft order to the supplier. Fields: supplier, lines, lines.N.product,
    lines.N.quantity, lines.N.unit_cost, note."""
    require(actor, Perm.STOCK_MANAGE)
    if supplier.organisation_id not in actor.organisation_ids or not supplier.is_active:
        raise stock_error(StockCode.BAD_VALUE, "supplier", value=supplier.name)
    if not lines:
        raise stock_error(StockCode.NO_LINES, "lines")
    if len(lines) > LINES_MAX:
        raise stock_error(StockCode.TOO_LONG, "lines", max=LINES_MAX)
    checked = []
    for index, line in enumerate(lines):
        prefix = f"lines.{index}."
        if line.product.organisation_id != supplier.organisation_id:
            raise stock_error(StockCode.BAD_VALUE, prefix + "product", value=line.product.name)
        checked.append(
            (
                line.product,
                _whole(line.quantity, prefix + "quantity"),
                _cost(line.unit_cost, prefix + "unit_cost"),
            )
        )
    note = _optional(note, "note", 300)
    with transaction.atomic(durable=True):
        # Numbers: the organisation's next; the supplier row queues two drafts at once.
        Supplier.objects.select_for_update().filter(pk=supplier.pk).first()
        last = PurchaseOrder.objects.filter(organisation_id=supplier.organisation_id).aggregate(
            n=Max("number")
        )["n"]
        order = PurchaseOrder.objects.create(
            organisation_id=supplier.organisation_id,
            number=(last or 0) + 1,
            supplier=supplier,
            note=note,
            created_by=actor.user,
        )
        PurchaseOrderLine.objects.bulk_create(
            PurchaseOrderLine(
                organisation_id=supplier.organisation_id,
                order=order,
                product=product,
                quantity=quantity,
                unit_cost=cost,
            )
            for product, quantity, cost in checked
        )
    return order


def order_send(*, actor: Actor, order: PurchaseOrder) -> PurchaseOrder:
    """Draft → ordered (the order is placed with the supplier; sending it is the clinic's)."""
    require(actor, Perm.STOCK_MANAGE)
    if order.organisation_id not in actor.organisation_ids:
        raise stock_error(StockCode.BAD_VALUE, "order", value=order.number)
    with transaction.atomic(durable=True):
        changed = PurchaseOrder.objects.filter(pk=order.pk, status=OrderStatus.DRAFT).update(
            status=OrderStatus.ORDERED, ordered_at=timezone.now()
        )
        if not changed:
            raise stock_error(StockCode.ORDER_NOT_DRAFT, "order")
    order.refresh_from_db()
    return order


@dataclass(frozen=True)
class ReceiptLineInput:
    line: PurchaseOrderLine
    lot_number: str
    expiry: date | None
    quantity: object


def order_receive(
    *,
    actor: Actor,
    order: PurchaseOrder,
    receipts: Sequence[ReceiptLineInput],
    location_name: str = DEFAULT_LOCATION,
    channel: Channel = Channel.UI,
) -> PurchaseOrder:
    """Goods received on an ordered order: per line a lot number, expiry and quantity (at most
    what is outstanding) into stock at the line's unit cost; the order is received when nothing
    is outstanding. All or nothing. Fields: lines, lines.N.lot, lines.N.expiry,
    lines.N.quantity."""
    require(actor, Perm.STOCK_MANAGE)
    if order.organisation_id not in actor.organisation_ids:
        raise stock_error(StockCode.BAD_VALUE, "order", value=order.number)
    if not receipts:
        raise stock_error(StockCode.NO_LINES, "lines")
    checked = []
    for index, receipt in enumerate(receipts):
        prefix = f"lines.{index}."
        if receipt.line.order_id != order.pk:
            raise stock_error(StockCode.BAD_VALUE, prefix + "line", value=index + 1)
        quantity = _whole(receipt.quantity, prefix + "quantity")
        lot_number, expiry = lot_input_check(
            lot_number=receipt.lot_number,
            expiry=receipt.expiry,
            quantity=quantity,
            prefix=prefix,
        )
        checked.append((receipt.line, lot_number, expiry, quantity, prefix))
    with transaction.atomic(durable=True):
        locked = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        if locked.status != OrderStatus.ORDERED:
            raise stock_error(StockCode.ORDER_NOT_ORDERED, "order")
        for line, lot_number, expiry, quantity, prefix in checked:
            fresh = PurchaseOrderLine.objects.select_related("product").get(pk=line.pk)
            if quantity > fresh.outstanding:
                raise stock_error(StockCode.TOO_MANY, prefix + "quantity", n=fresh.outstanding)
            lot_receive_within(
                actor=actor,
                product=fresh.product,
                lot_number=lot_number,
                expiry=expiry,
                quantity=quantity,
                location_name=location_name,
                channel=channel,
                unit_cost=fresh.unit_cost,
                order_line=fresh,
            )
            PurchaseOrderLine.objects.filter(pk=fresh.pk).update(
                received_quantity=F("received_quantity") + quantity
            )
        outstanding = any(
            line.outstanding > 0 for line in PurchaseOrderLine.objects.filter(order=locked)
        )
        if not outstanding:
            locked.status, locked.received_at = OrderStatus.RECEIVED, timezone.now()
            locked.save(update_fields=["status", "received_at"])
    return locked
