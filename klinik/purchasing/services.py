"""Writes of stock: products, goods received with lot and expiry, and the vaccination's draw
from its lot (through records' VACCINATION_RECORDED hook, inside the vaccination's own
transaction: an expired or empty lot refuses the vaccination, nothing is written)."""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.policy import Actor, Perm, require
from klinik.purchasing.choices import MovementKind, ProductKind
from klinik.purchasing.errors import StockCode, stock_error
from klinik.purchasing.models import (
    Location,
    Lot,
    Movement,
    Product,
    PurchaseOrderLine,
    Supplier,
)
from klinik.records.models import Vaccination

DEFAULT_LOCATION = "Lager"
QUANTITY_MAX = 100_000
_ATC = re.compile(r"^[A-Z]\d{2}[A-Z]{0,2}\d{0,2}$")


def _text(value: str, field: str, limit: int) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise stock_error(StockCode.REQUIRED, field)
    if len(value) > limit:
        raise stock_error(StockCode.TOO_LONG, field, max=limit)
    return value


def _organisation_id(actor: Actor) -> int:
    if actor.organisation is None:
        raise stock_error(StockCode.REQUIRED, "organisation")
    return actor.organisation.pk


def product_create(
    *,
    actor: Actor,
    name: str,
    kind: str,
    unit_name: str = "stk.",
    atc_code: str = "",
    supplier: Supplier | None = None,
    reorder_point: int = 0,
) -> Product:
    require(actor, Perm.STOCK_MANAGE)
    organisation_id = _organisation_id(actor)
    name = _text(name, "name", 200)
    if kind not in ProductKind.values:
        raise stock_error(StockCode.BAD_VALUE, "kind", value=kind)
    atc_code = re.sub(r"\s", "", atc_code or "").upper()
    if atc_code and not _ATC.match(atc_code):
        raise stock_error(StockCode.BAD_VALUE, "atc_code", value=atc_code)
    if reorder_point < 0:
        raise stock_error(StockCode.NOT_POSITIVE, "reorder_point")
    if supplier is not None and supplier.organisation_id != organisation_id:
        raise stock_error(StockCode.BAD_VALUE, "supplier", value=supplier.name)
    return Product.objects.create(
        organisation_id=organisation_id,
        name=name,
        kind=kind,
        unit_name=_text(unit_name, "unit_name", 30),
        atc_code=atc_code,
        supplier=supplier,
        reorder_point=reorder_point,
    )


def receipt_register(
    *,
    actor: Actor,
    product: Product,
    lot_number: str,
    expiry: date | None,
    quantity: int,
    location_name: str = DEFAULT_LOCATION,
    channel: Channel = Channel.UI,
) -> Lot:
    """Goods received: `quantity` units of the product's lot (number and expiry) into the
    location. Field names in refusals: product, lot, expiry, quantity."""
    require(actor, Perm.STOCK_MANAGE)
    if product.organisation_id not in actor.organisation_ids:
        raise stock_error(StockCode.BAD_VALUE, "product", value=product.name)
    lot_number, expiry = lot_input_check(lot_number=lot_number, expiry=expiry, quantity=quantity)
    with transaction.atomic(durable=True):
        lot = lot_receive_within(
            actor=actor,
            product=product,
            lot_number=lot_number,
            expiry=expiry,
            quantity=quantity,
            location_name=location_name,
            channel=channel,
        )
    lot.refresh_from_db()
    return lot


def lot_input_check(
    *, lot_number: str, expiry: date | None, quantity: int, prefix: str = ""
) -> tuple[str, date]:
    """A lot as received: its number (upper case), an expiry not passed, a sane quantity.
    Fields: <prefix>lot, <prefix>expiry, <prefix>quantity."""
    lot_number = _text(lot_number, prefix + "lot", 40).upper()
    if expiry is None:
        raise stock_error(StockCode.REQUIRED, prefix + "expiry")
    if expiry < timezone.localdate():
        raise stock_error(StockCode.EXPIRED, prefix + "expiry", expiry=f"{expiry:%d.%m.%Y}")
    if quantity <= 0 or quantity > QUANTITY_MAX:
        raise stock_error(StockCode.NOT_POSITIVE, prefix + "quantity")
    return lot_number, expiry


def lot_receive_within(
    *,
    actor: Actor,
    product: Product,
    lot_number: str,
    expiry: date,
    quantity: int,
    location_name: str,
    channel: Channel,
    unit_cost: Decimal | None = None,
    order_line: PurchaseOrderLine | None = None,
) -> Lot:
    """Goods into a lot (checked by the caller), inside the caller's transaction. A cost
    makes the lot's unit cost the average of what is in stock and what comes."""
    location, _ = Location.objects.get_or_create(
        organisation_id=product.organisation_id, name=_text(location_name, "location", 100)
    )
    lot, _ = Lot.objects.select_for_update().get_or_create(
        product=product,
        lot_number=lot_number,
        location=location,
        defaults={"organisation_id": product.organisation_id, "expiry": expiry},
    )
    if lot.expiry != expiry:
        raise stock_error(StockCode.BAD_VALUE, "expiry", value=f"{expiry:%d.%m.%Y}")
    changes: dict[str, object] = {"quantity": F("quantity") + quantity}
    if unit_cost is not None:
        held = max(lot.quantity, 0)
        old = lot.unit_cost if lot.unit_cost is not None else unit_cost
        changes["unit_cost"] = ((old * held + unit_cost * quantity) / (held + quantity)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    Lot.objects.filter(pk=lot.pk).update(**changes)
    Movement.objects.create(
        organisation_id=product.organisation_id,
        lot=lot,
        kind=MovementKind.RECEIPT,
        change=quantity,
        at=timezone.now(),
        by=actor.user,
        order_line=order_line,
    )
    access_log_record(
        actor=actor,
        action=Action.CREATE,
        purpose=Purpose.ADMINISTRATION,
        channel=channel,
        object_type="stock_receipt",
        object_id=lot.public_id,
        organisation_id=product.organisation_id,
    )
    return lot


def vaccination_draw(vaccination: Vaccination, actor: Actor) -> None:
    """One unit of the vaccine from the organisation's lot with the vaccination's batch number
    (the fullest such lot if several locations hold it). A batch the stock does not know was not
    bought through it (the patient brought it): nothing is drawn. Runs inside the vaccination's
    transaction; a refusal rolls it back."""
    lots = Lot.objects.select_for_update().filter(
        organisation_id=vaccination.organisation_id,
        lot_number=vaccination.batch_number.strip().upper(),
        product__kind=ProductKind.VACCINE,
    )
    found = list(lots.order_by("-quantity", "expiry", "id"))
    if not found:
        return
    lot = found[0]
    if lot.expiry < vaccination.given_on:
        raise stock_error(
            StockCode.LOT_EXPIRED,
            "batch_number",
            lot=lot.lot_number,
            expiry=f"{lot.expiry:%d.%m.%Y}",
        )
    if lot.quantity < 1:
        raise stock_error(StockCode.LOT_EMPTY, "batch_number", lot=lot.lot_number)
    Lot.objects.filter(pk=lot.pk).update(quantity=F("quantity") - 1)
    Movement.objects.create(
        organisation_id=lot.organisation_id,
        lot=lot,
        kind=MovementKind.VACCINATION,
        change=-1,
        at=timezone.now(),
        by=actor.user,
        vaccination_id=vaccination.public_id,
    )


def stock_count(*, actor: Actor, lot: Lot, counted: int, note: str = "") -> int:
    """A stock count (optælling) of one lot: the quantity becomes what was counted and the
    difference is recorded as a movement. Returns the difference (0: nothing recorded)."""
    require(actor, Perm.STOCK_MANAGE)
    if lot.organisation_id not in actor.organisation_ids:
        raise stock_error(StockCode.BAD_VALUE, "lot", value=lot.lot_number)
    if counted < 0 or counted > QUANTITY_MAX:
        raise stock_error(StockCode.NOT_POSITIVE, "counted")
    with transaction.atomic(durable=True):
        locked = Lot.objects.select_for_update().get(pk=lot.pk)
        difference = counted - locked.quantity
        if difference:
            Lot.objects.filter(pk=lot.pk).update(quantity=counted)
            Movement.objects.create(
                organisation_id=lot.organisation_id,
                lot=locked,
                kind=MovementKind.COUNT,
                change=difference,
                at=timezone.now(),
                by=actor.user,
                note=" ".join(note.split())[:200],
            )
    return difference
