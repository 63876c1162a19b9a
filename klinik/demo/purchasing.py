"""Demo stock for the GP: a supplier, vaccines in stock by lot (one lot expiring within 30
days; Boostrix received on a purchase order, so the stock has a value), a consumable below its
reorder point with an order sent and not yet received. Through purchasing's services;
idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from klinik.core.choices import Role
from klinik.core.models import Membership, Unit
from klinik.core.services import actor_from_membership
from klinik.purchasing.buying.services import (
    OrderLineInput,
    ReceiptLineInput,
    order_create,
    order_receive,
    order_send,
)
from klinik.purchasing.models import Product, Supplier
from klinik.purchasing.services import product_create, receipt_register

# name, kind, ATC, reorder point, [(lot, days to expiry, quantity, location)]
STOCK = [
    (
        "Influvac Tetra",
        "vaccine",
        "J07BB02",
        10,
        [("AB1234", 200, 40, "Vaccinekøleskab"), ("AB0999", 20, 6, "Vaccinekøleskab")],
    ),
    ("Boostrix", "vaccine", "J07AJ52", 5, []),
    ("Engangshandsker, nitril (M)", "consumable", "", 10, [("H-2026-11", 900, 4, "Lager")]),
]


def demo_stock(*, unit: Unit) -> None:
    if Product.objects.filter(organisation_id=unit.organisation_id).exists():
        return
    membership = (
        Membership.objects.filter(unit=unit, is_active=True, role=Role.NURSE)
        .select_related("user", "organisation", "unit")
        .order_by("id")
        .first()
    )
    if membership is None:
        return
    actor = actor_from_membership(membership)
    supplier = Supplier.objects.create(
        organisation_id=unit.organisation_id, name="Vaccinegrossisten A/S", email="ordre@example.dk"
    )
    today = timezone.localdate()
    products = {}
    for name, kind, atc, reorder, lots in STOCK:
        product = product_create(
            actor=actor,
            name=name,
            kind=kind,
            atc_code=atc,
            supplier=supplier,
            reorder_point=reorder,
        )
        products[name] = product
        for lot_number, days, quantity, location in lots:
            receipt_register(
                actor=actor,
                product=product,
                lot_number=lot_number,
                expiry=today + timedelta(days=days),
                quantity=quantity,
                location_name=location,
            )
    received = order_create(
        actor=actor,
        supplier=supplier,
        lines=[OrderLineInput(products["Boostrix"], 12, "189,00")],
    )
    order_send(actor=actor, order=received)
    order_receive(
        actor=actor,
        order=received,
        receipts=[
            ReceiptLineInput(received.lines.get(), "BX5521", today + timedelta(days=400), 12)
        ],
        location_name="Vaccinekøleskab",
    )
    waiting = order_create(
        actor=actor,
        supplier=supplier,
        lines=[OrderLineInput(products["Engangshandsker, nitril (M)"], 10, "45,00")],
        note="Leveres inden for 3 hverdage",
    )
    order_send(actor=actor, order=waiting)
