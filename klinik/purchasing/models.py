"""Purchasing and stock: suppliers, products, lots (lot number and expiry) with their quantity
per location, and every movement of stock (received, given, counted). The quantity on a lot
is the sum of its movements, kept on the lot for reads and never below zero (a constraint)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from klinik.purchasing.choices import MovementKind, OrderStatus, ProductKind


def _org() -> models.ForeignKey[Any]:
    return models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )


class Supplier(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    name = models.CharField(_("name"), max_length=200)
    cvr = models.CharField(_("CVR number"), max_length=8, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    customer_number = models.CharField(_("our customer number"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "name"], name="purch_supplier_idx")]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=ProductKind.choices)
    unit_name = models.CharField(_("unit"), max_length=30, default="stk.")
    atc_code = models.CharField(_("ATC code"), max_length=10, blank=True)
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, null=True, blank=True
    )
    reorder_point = models.PositiveIntegerField(_("reorder point"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "name"], name="purch_product_idx")]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    """Where stock is kept: the vaccine fridge, the store room."""

    organisation = _org()
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="purch_location_name")
        ]

    def __str__(self) -> str:
        return self.name


class Lot(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    lot_number = models.CharField(_("lot number"), max_length=40)
    expiry = models.DateField(_("expiry"))
    quantity = models.IntegerField(_("quantity"), default=0)
    # Kroner per unit excluding VAT, from the purchase orders it was received on (the average
    # when received at several prices); None when received without an order.
    unit_cost = models.DecimalField(
        _("unit cost"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "lot_number"], name="purch_lot_number_idx"),
            models.Index(fields=["organisation", "expiry"], name="purch_lot_expiry_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "lot_number", "location"], name="purch_lot_unique"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="purch_lot_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.lot_number}"


class Movement(models.Model):
    organisation = _org()
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=12, choices=MovementKind.choices)
    change = models.IntegerField()
    at = models.DateTimeField()
    by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, related_name="+")
    vaccination_id = models.UUIDField(null=True, blank=True)  # records' public id
    order_line = models.ForeignKey(
        "PurchaseOrderLine", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "at"], name="purch_movement_idx")]
        constraints = [models.CheckConstraint(condition=~Q(change=0), name="purch_movement_change")]

    def __str__(self) -> str:
        return f"{self.kind} {self.change}"


class PurchaseOrder(models.Model):
    """An order to a supplier: drafted, sent (ordered), then received line by line with lot
    and expiry into stock (received when every line has come)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    number = models.PositiveIntegerField(_("order number"))
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.DRAFT)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    ordered_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "-number"], name="purch_order_idx")]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="purch_order_number"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(ordered_at__isnull=False),
                name="purch_order_ordered_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.number}"


class PurchaseOrderLine(models.Model):
    organisation = _org()
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_cost = models.DecimalField(_("unit cost (kr.)"), max_digits=12, decimal_places=2)
    received_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["organisation", "order"], name="purch_orderline_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="purch_orderline_quantity"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="purch_orderline_cost"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"

    @property
    def outstanding(self) -> int:
        return max(self.quantity - self.received_quantity, 0)
