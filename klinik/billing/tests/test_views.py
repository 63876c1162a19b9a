from __future__ import annotations

from decimal import Decimal as D

from django.utils import timezone

from klinik.audit.models import AccessLogEntry
from klinik.billing.models import Invoice, Payment, PriceItem
from klinik.billing.services import LineInput, invoice_create
from klinik.billing.tests.factories import appointment_held, treatment_type
from klinik.core.choices import Role
from klinik.scheduling.choices import AppointmentStatus


def _invoice(actor, patient):
    return invoice_create(
        actor=actor,
        patient=patient,
        lines=[LineInput(text="Fysioterapi", quantity="1", unit_price="450.00", vat_rate=0)],
    )


def test_an_invoice_by_hand_from_the_screen(world, secretary, login_as):
    client = login_as(secretary)
    page = client.get("/invoices/new/")
    assert page.status_code == 200
    response = client.post(
        "/invoices/new/",
        {
            "patient_query": world.patient_a.cpr,
            "text_0": "Fysioterapi",
            "quantity_0": "2",
            "unit_price_0": "450,00",
            "vat_rate_0": "0",
            "text_1": "Attest",
            "quantity_1": "1",
            "unit_price_1": "100",
            "vat_rate_1": "25",
            "vat_rate_2": "0",
            "vat_rate_3": "0",
            "vat_rate_4": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    invoice = Invoice.objects.get()
    assert (invoice.total, invoice.vat) == (D("1025.00"), D("25.00"))
    detail = client.get(response["Location"])
    assert "1.025,00" in detail.content.decode()


def test_a_bad_price_is_shown_at_its_field_in_danish_and_nothing_is_written(
    world, secretary, login_as
):
    client = login_as(secretary)
    response = client.post(
        "/invoices/new/",
        {
            "patient_query": world.patient_a.cpr,
            "text_2": "Fysioterapi",
            "quantity_2": "1",
            "unit_price_2": "450,005",
            **{f"vat_rate_{n}": "0" for n in range(5)},
        },
        HTTP_ACCEPT_LANGUAGE="da",
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert form.errors["unit_price_2"]
    assert not Invoice.objects.exists()


def test_list_open_items_and_payment_and_credit_through_the_screens(
    world, secretary, login_as, actor_for
):
    actor = actor_for(secretary)
    invoice = _invoice(actor, world.patient_a)
    client = login_as(secretary)
    response = client.post(
        f"/invoices/{invoice.public_id}/pay/",
        {"amount": "200,00", "method": "cash", "paid_on": f"{timezone.localdate():%d.%m.%Y}"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Payment.objects.get().amount == D("200.00")
    too_much = client.post(
        f"/invoices/{invoice.public_id}/pay/",
        {"amount": "300", "method": "cash", "paid_on": f"{timezone.localdate():%d.%m.%Y}"},
    )
    assert too_much.status_code == 422 and too_much.context["payment_form"].errors["amount"]
    listing = client.get("/invoices/?open=1")
    assert listing.status_code == 200
    assert [r.number for r in listing.context["rows"]] == [invoice.number]
    credited = client.post(f"/invoices/{invoice.public_id}/credit/", {"whole": "1"})
    assert credited.status_code == 302
    assert Invoice.objects.filter(credits=invoice).exists()
    assert client.get("/invoices/?open=1").context["rows"] == []
    pdf = client.get(f"/invoices/{invoice.public_id}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_invoice_an_appointment_from_the_list(world, secretary, login_as):
    kind = treatment_type(world.unit_a)
    held = appointment_held(world.patient_a, kind)
    missed = appointment_held(world.patient_a, kind, status=AppointmentStatus.NO_SHOW)
    client = login_as(secretary)
    listing = client.get("/invoices/appointments/")
    rows = listing.context["rows"]
    assert {r.public_id for r in rows} == {str(held.public_id), str(missed.public_id)}
    assert next(r for r in rows if r.public_id == str(missed.public_id)).price is None
    response = client.post(f"/invoices/appointments/{held.public_id}/")
    assert response.status_code == 302
    invoice = Invoice.objects.get()
    assert invoice.total == D("450.00") and invoice.source_id == held.public_id
    assert [r.public_id for r in client.get("/invoices/appointments/").context["rows"]] == [
        str(missed.public_id)
    ]
    again = client.post(f"/invoices/appointments/{held.public_id}/")
    assert again.status_code == 302 and Invoice.objects.count() == 1
    assert AccessLogEntry.objects.filter(object_type="appointments_to_invoice").count() == 2


def test_the_price_list_screen_adds_a_price(world, secretary, login_as):
    client = login_as(secretary)
    response = client.post(
        "/invoices/prices/",
        {"name": "Udeblivelsesgebyr", "unit_price": "250", "vat_rate": "0", "is_no_show_fee": "on"},
    )
    assert response.status_code == 302
    assert PriceItem.objects.get().is_no_show_fee
    bad = client.post("/invoices/prices/", {"name": "X", "unit_price": "2,505", "vat_rate": "0"})
    assert bad.status_code == 422 and bad.context["form"].errors["unit_price"]


def test_other_organisations_get_404_and_roles_without_invoicing_get_403(
    world, secretary, login_as, actor_for
):
    invoice = _invoice(actor_for(secretary), world.patient_a)
    client = login_as(world.member(Role.SECRETARY, unit=world.unit_b))
    for path in (f"/invoices/{invoice.public_id}/", f"/invoices/{invoice.public_id}/pdf/"):
        assert client.get(path).status_code == 404
    assert client.post(f"/invoices/{invoice.public_id}/credit/").status_code == 404
    assert client.get("/invoices/").context["rows"] == []
    assert Invoice.objects.count() == 1
    client.logout()
    lab = login_as(world.member(Role.LAB_TECHNICIAN))
    assert lab.get("/invoices/").status_code == 403
