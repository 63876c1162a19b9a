from __future__ import annotations

from klinik.audit.models import AccessLogEntry
from klinik.billing.models import Invoice, InvoiceLine, Payment
from klinik.billing.tests.conftest import line

MISSING = "00000000-0000-4000-8000-000000000000"


def _today():
    from django.utils import timezone

    return timezone.localdate()


def _create(api, world, *lines):
    return api.post(
        "/invoices", {"patient": str(world.patient_a.public_id), "lines": list(lines) or [line()]}
    )


def test_create_answers_201_with_number_and_decimal_strings(api, world):
    response = _create(
        api,
        world,
        line(),
        line(text="Attest", unit_price="100.00", vat_rate=25),
        line(text="Elastik", quantity="3", unit_price="0.10", vat_rate=25),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == 1
    assert (body["subtotal"], body["vat"], body["total"]) == ("550.30", "25.08", "575.38")
    assert body["vat_by_rate"] == [
        {"rate": 0, "base": "450.00", "vat": "0.00"},
        {"rate": 25, "base": "100.30", "vat": "25.08"},
    ]
    assert body["lines"][2] == {
        "text": "Elastik",
        "quantity": "3.00",
        "unit_price": "0.10",
        "vat_rate": 25,
        "amount": "0.30",
    }
    assert body["open_amount"] == "575.38"
    again = api.get(f"/invoices/{body['id']}")
    assert again.status_code == 200 and again.json() == body


def test_pdf(api, world):
    invoice = _create(api, world).json()
    response = api.get(f"/invoices/{invoice['id']}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_bad_input_is_a_422_naming_the_field_and_nothing_is_written(api, world):
    cases = [
        (line(quantity="-1"), "lines.1.quantity"),
        (line(vat_rate=12), "lines.1.vat_rate"),
        (line(unit_price="450.005"), "lines.1.unit_price"),
        (line(unit_price=450.5), "lines.1.unit_price"),  # a float, not a decimal string
        (line(unit_price="1e999"), "lines.1.unit_price"),
    ]
    for bad, field in cases:
        response = _create(api, world, line(), bad)
        body = response.json()
        assert response.status_code == 422, (bad, body)
        assert body["detail"].startswith(field), (bad, body)
    assert not Invoice.objects.exists() and not InvoiceLine.objects.exists()


def test_credit_answers_201_with_its_own_number_and_a_credit_of_credit_is_422(api, world):
    invoice = _create(api, world).json()
    response = api.post(f"/invoices/{invoice['id']}/credit")
    assert response.status_code == 201, response.content
    credit = response.json()
    assert credit["number"] == 2 and credit["kind"] == "credit_note"
    assert credit["credits"] == invoice["id"] and credit["total"] == "-450.00"
    assert api.get(f"/invoices/{invoice['id']}").json()["open_amount"] == "0.00"
    again = api.post(f"/invoices/{credit['id']}/credit")
    assert again.status_code == 422 and again.json()["code"] == "credit_of_credit"
    twice = api.post(f"/invoices/{invoice['id']}/credit")
    assert twice.status_code == 409 and twice.json()["code"] == "already_credited"
    assert Invoice.objects.count() == 2


def test_payments_part_then_rest_and_overpayment_refused(api, world):
    invoice = _create(api, world).json()
    path = f"/invoices/{invoice['id']}/payments"
    first = api.post(path, {"amount": "200.00", "method": "mobilepay", "date": str(_today())})
    assert first.status_code == 201, first.content
    assert first.json()["invoice"]["open_amount"] == "250.00"
    too_much = api.post(path, {"amount": "250.01", "method": "cash"})
    assert too_much.status_code == 422
    assert too_much.json()["detail"].startswith("amount:")
    bad_method = api.post(path, {"amount": "1", "method": "cheque"})
    assert bad_method.status_code == 422 and bad_method.json()["detail"].startswith("method:")
    rest = api.post(path, {"amount": "250", "method": "card"})
    assert rest.status_code == 201 and rest.json()["invoice"]["open_amount"] == "0.00"
    assert Payment.objects.count() == 2


def test_open_items_list(api, world):
    paid = _create(api, world).json()
    api.post(f"/invoices/{paid['id']}/payments", {"amount": "450", "method": "cash"})
    owing = _create(api, world).json()
    rows = api.get("/invoices", open="true").json()
    assert [r["number"] for r in rows] == [owing["number"]]
    assert [r["number"] for r in api.get("/invoices").json()] == [2, 1]
    assert AccessLogEntry.objects.filter(object_type="invoice_list").count() == 2


def test_other_organisations_get_404_and_learn_nothing(api, api_b, world):
    invoice = _create(api, world).json()
    for path in (
        f"/invoices/{invoice['id']}",
        f"/invoices/{invoice['id']}.pdf",
        f"/invoices/{MISSING}",
    ):
        response = api_b.get(path)
        assert response.status_code == 404, path
    assert api_b.post(f"/invoices/{invoice['id']}/credit").status_code == 404
    assert (
        api_b.post(
            f"/invoices/{invoice['id']}/payments", {"amount": "1", "method": "cash"}
        ).status_code
        == 404
    )
    assert api_b.get("/invoices").json() == []
    assert (
        api_b.post(
            "/invoices", {"patient": str(world.patient_a.public_id), "lines": [line()]}
        ).status_code
        == 404
    )
    assert Invoice.objects.count() == 1 and not Payment.objects.exists()
