"""Partial credit notes: chosen lines and amounts, never more than is left of a line, the last
credit returning the VAT to the øre; a credited source may be invoiced again only when credited
in full; the screen and the API."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from klinik.billing.choices import InvoiceSourceKind
from klinik.billing.credit import CreditPart, invoice_credit
from klinik.billing.errors import BillingCode, BillingError
from klinik.billing.models import Invoice
from klinik.billing.services import LineInput, invoice_create, open_amount


def _line(**kw):
    values = {"text": "Fysioterapi", "quantity": "2", "unit_price": "450.00", "vat_rate": 0}
    values.update(kw)
    return LineInput(**values)


def _invoice(actor, patient, **kw):
    lines = [_line(), _line(text="Attest", quantity="1", unit_price="0.03", vat_rate=25)]
    return invoice_create(actor=actor, patient=patient, lines=lines, **kw)


def test_a_part_of_a_line_is_credited_and_the_rest_later(world, actor):
    invoice = _invoice(actor, world.patient_a)
    assert (invoice.subtotal, invoice.vat) == (D("900.03"), D("0.01"))
    part = invoice_credit(actor=actor, invoice=invoice, parts=[CreditPart(1, "300,00")])
    assert (part.number, part.total) == (invoice.number + 1, D("-300.00"))
    assert part.note.startswith("Delvis kreditering")
    assert [ln.credits_line.position for ln in part.lines.all()] == [1]
    assert open_amount(invoice) == D("600.04")
    with pytest.raises(BillingError) as refused:
        invoice_credit(actor=actor, invoice=invoice, parts=[CreditPart(1, "600.01")])
    assert refused.value.code == BillingCode.CREDIT_TOO_MUCH
    assert refused.value.field == "lines.0.amount" and "600,00" in refused.value.message
    # The 25 % line's VAT (0.0075 on its own, rounded) comes back exactly with the last credit.
    rest = invoice_credit(actor=actor, invoice=invoice)
    assert (rest.subtotal, rest.vat) == (D("-600.03"), D("-0.01"))
    assert open_amount(invoice) == D("0.00")
    with pytest.raises(BillingError) as refused:
        invoice_credit(actor=actor, invoice=invoice, parts=[CreditPart(2)])
    assert refused.value.code == BillingCode.ALREADY_CREDITED
    assert Invoice.objects.count() == 3


def test_bad_credit_parts_write_nothing(world, actor):
    invoice = _invoice(actor, world.patient_a)
    for parts, field in (
        ([CreditPart(9)], "lines.0.position"),
        ([CreditPart(1, "-5")], "lines.0.amount"),
        ([CreditPart(1, "1.001")], "lines.0.amount"),
        ([CreditPart(1), CreditPart(1)], "lines.1.position"),
        ([], "lines"),
    ):
        with pytest.raises(BillingError) as refused:
            invoice_credit(actor=actor, invoice=invoice, parts=parts)
        assert refused.value.field == field
    assert Invoice.objects.count() == 1


def test_a_source_is_free_again_only_when_credited_in_full(world, actor):
    import uuid

    source = uuid.uuid4()
    kw = {
        "source_kind": InvoiceSourceKind.CERTIFICATE,
        "source_id": source,
        "source_label": "Attest",
    }
    invoice = _invoice(actor, world.patient_a, **kw)
    assert invoice.source_label == "Attest"
    invoice_credit(actor=actor, invoice=invoice, parts=[CreditPart(1, "100")])
    with pytest.raises(BillingError) as refused:
        _invoice(actor, world.patient_a, **kw)
    assert refused.value.code == BillingCode.ALREADY_INVOICED
    invoice_credit(actor=actor, invoice=invoice)
    assert _invoice(actor, world.patient_a, **kw).number == invoice.number + 3


def test_partial_credit_through_the_screen_and_the_api(world, secretary, login_as, api, actor):
    invoice = _invoice(actor, world.patient_a)
    client = login_as(secretary)
    page = client.get(f"/invoices/{invoice.public_id}/")
    assert page.status_code == 200 and b"credit-line-1" in page.content
    url = f"/invoices/{invoice.public_id}/credit/"
    nothing = client.post(url, {})
    assert nothing.status_code == 302 and Invoice.objects.count() == 1
    done = client.post(url, {"line": ["1"], "amount-1": "450,00"})
    assert done.status_code == 302
    credit = Invoice.objects.get(credits=invoice)
    assert credit.total == D("-450.00")
    response = api.post(
        f"/invoices/{invoice.public_id}/credit", {"lines": [{"position": 1, "amount": "500.00"}]}
    )
    assert response.status_code == 422 and response.json()["detail"].startswith("lines.0.amount")
    response = api.post(f"/invoices/{invoice.public_id}/credit", {"lines": [{"position": 2}]})
    assert response.status_code == 201 and response.json()["total"] == "-0.04"
