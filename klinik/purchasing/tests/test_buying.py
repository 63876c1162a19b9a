"""Buying: suppliers created and changed on their screen, purchase orders drafted, sent and
received line by line with lot and expiry into stock at the order's price; bad input named at
its field and nothing written; another organisation's orders are a 404."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal as D

import pytest

from klinik.core.choices import Role
from klinik.core.errors import DomainError
from klinik.purchasing.buying.services import (
    OrderLineInput,
    ReceiptLineInput,
    order_create,
    order_receive,
    order_send,
    supplier_save,
)
from klinik.purchasing.models import Lot, Movement, PurchaseOrder, Supplier
from klinik.purchasing.services import product_create
from klinik.scheduling.availability import LOCAL

TODAY = date(2026, 9, 14)


@pytest.fixture
def manager(world, clock):
    clock.set(datetime.combine(TODAY, time(10), tzinfo=LOCAL))
    return world.member(Role.NURSE)


@pytest.fixture
def actor(manager, actor_for):
    return actor_for(manager)


@pytest.fixture
def vaccine(actor):
    return product_create(actor=actor, name="Influvac Tetra", kind="vaccine", atc_code="J07BB02")


@pytest.fixture
def supplier(actor):
    return supplier_save(actor=actor, name="Vaccinegrossisten", cvr="12345678")


def _order(actor, supplier, vaccine, quantity=10, cost="89,50"):
    return order_create(
        actor=actor, supplier=supplier, lines=[OrderLineInput(vaccine, quantity, cost)]
    )


def test_draft_ordered_received_in_two_parts_into_stock_at_its_price(actor, supplier, vaccine):
    order = _order(actor, supplier, vaccine)
    assert (order.number, order.status) == (1, "draft")
    line = order.lines.get()
    with pytest.raises(DomainError) as refused:
        order_receive(actor=actor, order=order, receipts=[ReceiptLineInput(line, "AB1", TODAY, 4)])
    assert refused.value.code == "order_not_ordered"
    order_send(actor=actor, order=order)
    expiry = date(2027, 6, 30)
    order = order_receive(
        actor=actor, order=order, receipts=[ReceiptLineInput(line, "ab1", expiry, 4)]
    )
    assert order.status == "ordered"
    lot = Lot.objects.get(lot_number="AB1")
    assert (lot.quantity, lot.unit_cost, lot.expiry) == (4, D("89.50"), expiry)
    assert Movement.objects.get(lot=lot).order_line_id == line.pk
    with pytest.raises(DomainError) as refused:
        order_receive(actor=actor, order=order, receipts=[ReceiptLineInput(line, "AB2", expiry, 7)])
    assert (refused.value.field, refused.value.code) == ("lines.0.quantity", "too_many")
    order = order_receive(
        actor=actor, order=order, receipts=[ReceiptLineInput(line, "AB2", expiry, 6)]
    )
    assert order.status == "received" and order.received_at is not None
    assert sum(Lot.objects.values_list("quantity", flat=True)) == 10


def test_bad_input_is_named_and_nothing_is_written(actor, supplier, vaccine):
    for quantity, cost, field in (
        (0, "10", "lines.0.quantity"),
        (1, "10,005", "lines.0.unit_cost"),
        (1, "-1", "lines.0.unit_cost"),
    ):
        with pytest.raises(DomainError) as refused:
            _order(actor, supplier, vaccine, quantity=quantity, cost=cost)
        assert refused.value.field == field
    with pytest.raises(DomainError) as refused:
        supplier_save(actor=actor, name="X", cvr="1234")
    assert refused.value.field == "cvr"
    order = _order(actor, supplier, vaccine)
    order_send(actor=actor, order=order)
    line = order.lines.get()
    with pytest.raises(DomainError) as refused:
        order_receive(
            actor=actor,
            order=order,
            receipts=[ReceiptLineInput(line, "AB1", date(2026, 9, 13), 1)],
        )
    assert (refused.value.field, refused.value.code) == ("lines.0.expiry", "expired")
    assert not Lot.objects.exists() and PurchaseOrder.objects.count() == 1


def test_the_screens_supplier_order_send_receive_and_another_organisation(
    world, manager, login_as, actor, vaccine
):
    client = login_as(manager)
    assert client.post("/stock/suppliers/", {"name": "Grossisten", "cvr": "12"}).status_code == 422
    created = client.post("/stock/suppliers/", {"name": "Grossisten", "cvr": "12345678"})
    assert created.status_code == 302
    supplier = Supplier.objects.get()
    edited = client.post(
        f"/stock/suppliers/{supplier.public_id}/",
        {"name": "Grossisten A/S", "cvr": "12345678", "is_active": "on"},
    )
    assert edited.status_code == 302 and Supplier.objects.get().name == "Grossisten A/S"
    bad = client.post(
        "/stock/orders/",
        {
            "supplier": str(supplier.public_id),
            "product-0": str(vaccine.public_id),
            "quantity-0": "x",
            "cost-0": "10",
        },
    )
    assert bad.status_code == 422 and bad.context["rows"][0]["quantity_error"]
    made = client.post(
        "/stock/orders/",
        {
            "supplier": str(supplier.public_id),
            "product-1": str(vaccine.public_id),
            "quantity-1": "5",
            "cost-1": "100",
        },
    )
    assert made.status_code == 302
    order = PurchaseOrder.objects.get()
    url = f"/stock/orders/{order.public_id}/"
    assert client.post(url, {"action": "send"}).status_code == 302
    line = order.lines.get()
    wrong = client.post(
        url,
        {
            "action": "receive",
            f"lot-{line.pk}": "",
            f"expiry-{line.pk}": "30.06.2027",
            f"quantity-{line.pk}": "5",
        },
    )
    assert wrong.status_code == 422 and wrong.context["lines"][0].errors["lot"]
    done = client.post(
        url,
        {
            "action": "receive",
            f"lot-{line.pk}": "XY9",
            f"expiry-{line.pk}": "30.06.2027",
            f"quantity-{line.pk}": "5",
        },
    )
    assert done.status_code == 302
    assert PurchaseOrder.objects.get().status == "received"
    stock = client.get("/stock/")
    assert b"XY9" in stock.content
    client.logout()
    other = login_as(world.member(Role.NURSE, unit=world.unit_b))
    assert other.get(url).status_code == 404
    assert other.get(f"/stock/suppliers/{supplier.public_id}/").status_code == 404


def test_stock_value_from_the_orders_prices_and_as_excel(
    world, manager, login_as, actor, supplier, vaccine
):
    from io import BytesIO

    from openpyxl import load_workbook

    from klinik.purchasing.services import receipt_register

    order = _order(actor, supplier, vaccine, quantity=10, cost="89,50")
    order_send(actor=actor, order=order)
    order_receive(
        actor=actor,
        order=order,
        receipts=[ReceiptLineInput(order.lines.get(), "AB1", date(2027, 1, 31), 10)],
    )
    receipt_register(
        actor=actor, product=vaccine, lot_number="FREE", expiry=date(2027, 1, 31), quantity=2
    )
    client = login_as(manager)
    page = client.get("/stock/")
    assert page.context["value_total"] == D("895.00")
    assert page.context["values"][0].uncosted == 2
    book = load_workbook(BytesIO(client.get("/stock/?format=xlsx").content))
    sheet = book["Lagerværdi"]
    assert [c.value for c in sheet[2]] == ["Influvac Tetra", 12, 895, 2]
