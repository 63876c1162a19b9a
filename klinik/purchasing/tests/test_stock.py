"""Goods received with lot and expiry, the stock per lot, and a vaccination with a batch from
stock drawing one unit from that lot (records' hook, inside the vaccination's transaction):
an expired or empty lot refuses the vaccination and nothing is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from klinik.api.tests.helpers import ApiClient
from klinik.core.choices import Role
from klinik.core.errors import DomainError
from klinik.purchasing.models import Lot, Movement, Product
from klinik.purchasing.services import product_create, receipt_register
from klinik.records.clinical.services import vaccination_record
from klinik.records.models import Vaccination
from klinik.staff.tests.factories import delegation_grant


@pytest.fixture
def nurse(world):
    nurse = world.member(Role.NURSE)
    # Vaccination is a doctor's reserved act: the nurse gives vaccines under a delegation.
    delegation_grant(doctor=world.member(Role.DOCTOR), delegate=nurse.user)
    return nurse


@pytest.fixture
def actor(nurse, actor_for):
    return actor_for(nurse)


@pytest.fixture
def vaccine(actor):
    return product_create(
        actor=actor, name="Influvac Tetra", kind="vaccine", atc_code="J07BB02", reorder_point=5
    )


def _give(actor, nurse, patient, batch="AB1234"):
    return vaccination_record(
        actor=actor,
        patient=patient,
        vaccine="Influvac Tetra",
        batch_number=batch,
        dose="0,5 ml",
        site="left_deltoid",
        given_on=timezone.localdate(),
        given_by=nurse.user,
    )


def test_a_vaccination_from_a_lot_draws_one_unit(world, actor, nurse, vaccine):
    expiry = timezone.localdate() + timedelta(days=200)
    lot = receipt_register(
        actor=actor, product=vaccine, lot_number="ab1234", expiry=expiry, quantity=10
    )
    assert (lot.lot_number, lot.quantity) == ("AB1234", 10)
    again = receipt_register(
        actor=actor, product=vaccine, lot_number="AB1234", expiry=expiry, quantity=5
    )
    assert again.pk == lot.pk and again.quantity == 15
    given = _give(actor, nurse, world.patient_a)
    lot.refresh_from_db()
    assert lot.quantity == 14
    movement = Movement.objects.get(kind="vaccination")
    assert movement.vaccination_id == given.public_id and movement.change == -1
    # A batch the stock does not know (brought by the patient) draws nothing.
    _give(actor, nurse, world.patient_a, batch="OTHER9")
    lot.refresh_from_db()
    assert lot.quantity == 14


def test_an_expired_or_empty_lot_refuses_the_vaccination(world, actor, nurse, vaccine, clock):
    today = timezone.localdate()
    receipt_register(
        actor=actor,
        product=vaccine,
        lot_number="OLD1",
        expiry=today + timedelta(days=2),
        quantity=1,
    )
    clock.set(timezone.now() + timedelta(days=5))
    with pytest.raises(DomainError) as refused:
        _give(actor, nurse, world.patient_a, batch="OLD1")
    assert (refused.value.code, refused.value.field) == ("lot_expired", "batch_number")
    assert not Vaccination.objects.exists()
    clock.stop()
    receipt_register(
        actor=actor,
        product=vaccine,
        lot_number="ONE1",
        expiry=today + timedelta(days=90),
        quantity=1,
    )
    _give(actor, nurse, world.patient_a, batch="ONE1")
    with pytest.raises(DomainError) as refused:
        _give(actor, nurse, world.patient_a, batch="ONE1")
    assert refused.value.code == "lot_empty"
    assert Vaccination.objects.count() == 1
    assert Lot.objects.get(lot_number="ONE1").quantity == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -3}, "quantity"),
        ({"expiry": "2020-01-01"}, "expiry"),
        ({"lot": " "}, "lot"),
    ],
)
def test_receipts_over_the_api_refuse_bad_input(client, nurse, vaccine, body, field):
    api = ApiClient(client, nurse)
    payload = {
        "product": str(vaccine.public_id),
        "lot": "AB1234",
        "expiry": str(timezone.localdate() + timedelta(days=100)),
        "quantity": 10,
    } | body
    response = api.post("/stock/receipts", payload)
    assert response.status_code == 422, response.content
    assert response.json()["detail"].startswith(f"{field}:")
    assert not Lot.objects.exists()


def test_api_receipt_and_stock_per_lot_and_other_organisations(client, world, nurse, vaccine):
    api = ApiClient(client, nurse)
    expiry = str(timezone.localdate() + timedelta(days=100))
    response = api.post(
        "/stock/receipts",
        {"product": str(vaccine.public_id), "lot": "AB1234", "expiry": expiry, "quantity": 10},
    )
    assert response.status_code == 201, response.content
    assert response.json()["quantity"] == 10
    listed = api.get("/stock", product=str(vaccine.public_id)).json()
    assert [(r["lot"], r["quantity"], r["expiry"]) for r in listed] == [("AB1234", 10, expiry)]
    other = ApiClient(client, world.member(Role.NURSE, unit=world.unit_b))
    assert other.get("/stock", product=str(vaccine.public_id)).status_code == 404
    assert other.get("/stock").json() == []
    assert (
        other.post(
            "/stock/receipts",
            {"product": str(vaccine.public_id), "lot": "X1", "expiry": expiry, "quantity": 1},
        ).status_code
        == 404
    )
    assert Lot.objects.get().quantity == 10


def test_the_stock_screen_receives_goods(world, nurse, login_as, vaccine):
    client = login_as(nurse)
    expiry = timezone.localdate() + timedelta(days=100)
    response = client.post(
        "/stock/receipts/",
        {
            "product": str(vaccine.public_id),
            "lot_number": "AB1234",
            "expiry": f"{expiry:%d.%m.%Y}",
            "quantity": "12",
            "location": "Vaccinekøleskab",
        },
    )
    assert response.status_code == 302
    page = client.get("/stock/")
    assert page.status_code == 200 and page.context["rows"][0].quantity == 12
    expired = client.post(
        "/stock/receipts/",
        {
            "product": str(vaccine.public_id),
            "lot_number": "OLD",
            "expiry": "01.01.2020",
            "quantity": "1",
            "location": "Lager",
        },
    )
    assert expired.status_code == 422 and expired.context["receipt_form"].errors["expiry"]
    created = client.post(
        "/stock/products/",
        {"name": "Handsker", "kind": "consumable", "unit_name": "æske", "reorder_point": "3"},
    )
    assert created.status_code == 302 and Product.objects.filter(name="Handsker").exists()


def test_expiring_lots_and_products_to_reorder_are_in_the_work_queue(world, actor, vaccine):
    from klinik.core.worklist import WorkQuery
    from klinik.purchasing.work import STOCK_KIND

    today = timezone.localdate()
    receipt_register(
        actor=actor,
        product=vaccine,
        lot_number="SOON",
        expiry=today + timedelta(days=10),
        quantity=2,
    )
    receipt_register(
        actor=actor,
        product=vaccine,
        lot_number="LATER",
        expiry=today + timedelta(days=300),
        quantity=2,
    )
    query = WorkQuery(unit_ids=frozenset({world.unit_a.pk}), limit=10)
    items = STOCK_KIND.items(actor, query)
    # Four in stock, reorder point five: reorder; SOON expires within 30 days.
    assert [i.id.split(":")[0] for i in items] == ["lot", "product"]
    assert "SOON" in items[0].title and STOCK_KIND.count(actor, query) == 2
    other = WorkQuery(unit_ids=frozenset({world.unit_b.pk}), limit=10)
    assert STOCK_KIND.items(actor, other) == []


def test_a_stock_count_records_the_difference(world, nurse, login_as, actor, vaccine):
    lot = receipt_register(
        actor=actor,
        product=vaccine,
        lot_number="CNT1",
        expiry=timezone.localdate() + timedelta(days=100),
        quantity=10,
    )
    client = login_as(nurse)
    assert client.post(f"/stock/lots/{lot.public_id}/count/", {"counted": "8"}).status_code == 302
    lot.refresh_from_db()
    assert lot.quantity == 8
    assert Movement.objects.get(kind="count").change == -2
    client.post(f"/stock/lots/{lot.public_id}/count/", {"counted": "-1"})
    lot.refresh_from_db()
    assert lot.quantity == 8 and Movement.objects.filter(kind="count").count() == 1
    client.logout()
    other = login_as(world.member(Role.NURSE, unit=world.unit_b))
    assert other.post(f"/stock/lots/{lot.public_id}/count/", {"counted": "0"}).status_code == 404
    lot.refresh_from_db()
    assert lot.quantity == 8
