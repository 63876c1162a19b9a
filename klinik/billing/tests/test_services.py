from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.utils import timezone

from klinik.audit.models import AccessLogEntry
from klinik.billing.choices import InvoiceKind, PaymentMethod
from klinik.billing.credit import invoice_credit
from klinik.billing.errors import BillingCode, BillingError
from klinik.billing.models import Invoice, InvoiceLine, InvoiceSeries, Payment
from klinik.billing.services import (
    LineInput,
    invoice_create,
    open_amount,
    payment_register,
)
from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import MembershipFactory


def _line(**kw):
    values = {"text": "Fysioterapi", "quantity": "1", "unit_price": "450.00", "vat_rate": 0}
    values.update(kw)
    return LineInput(**values)


def _issue(actor, patient, *lines):
    return invoice_create(actor=actor, patient=patient, lines=list(lines) or [_line()])


def test_invoices_are_numbered_consecutively_per_organisation(world, actor, actor_for):
    first = _issue(actor, world.patient_a)
    second = _issue(actor, world.patient_a)
    other = _issue(actor_for(world.member(Role.SECRETARY, unit=world.unit_b)), world.patient_b)
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert first.total == D("450.00") and first.vat == D("0.00")
    assert first.due_on == first.issued_on + timedelta(days=14)
    assert first.buyer_name == world.patient_a.name


def test_vat_per_rate_on_the_invoice(world, actor):
    invoice = _issue(
        actor,
        world.patient_a,
        _line(text="Attest", unit_price="0.10", vat_rate=25, quantity="3"),
        _line(text="Gebyr", unit_price="0.10", vat_rate=25),
        _line(),
    )
    assert (invoice.subtotal, invoice.vat, invoice.total) == (D("450.40"), D("0.10"), D("450.50"))
    assert list(invoice.lines.values_list("position", "amount")) == [
        (1, D("0.30")),
        (2, D("0.10")),
        (3, D("450.00")),
    ]


@pytest.mark.parametrize(
    ("line", "field", "code"),
    [
        ({"quantity": "-1"}, "lines.0.quantity", BillingCode.NOT_POSITIVE),
        ({"quantity": "0"}, "lines.0.quantity", BillingCode.NOT_POSITIVE),
        ({"vat_rate": 12}, "lines.0.vat_rate", BillingCode.BAD_VAT_RATE),
        ({"vat_rate": "25.5"}, "lines.0.vat_rate", BillingCode.BAD_VAT_RATE),
        ({"unit_price": "450.005"}, "lines.0.unit_price", BillingCode.TOO_MANY_DECIMALS),
        ({"unit_price": "abc"}, "lines.0.unit_price", BillingCode.BAD_NUMBER),
        ({"unit_price": "1e308"}, "lines.0.unit_price", BillingCode.TOO_LARGE),
        ({"unit_price": "-5"}, "lines.0.unit_price", BillingCode.NOT_POSITIVE),
        ({"text": "  "}, "lines.0.text", BillingCode.REQUIRED),
    ],
)
def test_bad_lines_are_refused_naming_the_field_and_nothing_is_written(
    world, actor, line, field, code
):
    with pytest.raises(BillingError) as refused:
        _issue(actor, world.patient_a, _line(**line))
    assert (refused.value.field, refused.value.code) == (field, code)
    assert not Invoice.objects.exists() and not InvoiceLine.objects.exists()
    assert not InvoiceSeries.objects.filter(last_number__gt=0).exists()


def test_no_lines_and_a_foreign_patient_are_refused(world, actor):
    with pytest.raises(BillingError) as refused:
        invoice_create(actor=actor, patient=world.patient_a, lines=[])
    assert refused.value.field == "lines"
    with pytest.raises(BillingError) as refused:
        _issue(actor, world.patient_b)
    assert refused.value.code == BillingCode.PATIENT_NOT_YOURS
    assert not Invoice.objects.exists()


def test_a_credit_note_takes_the_next_number_and_mirrors_the_invoice(world, actor):
    invoice = _issue(
        actor, world.patient_a, _line(), _line(text="Attest", unit_price="100", vat_rate=25)
    )
    credit = invoice_credit(actor=actor, invoice=invoice)
    assert credit.kind == InvoiceKind.CREDIT_NOTE and credit.credits == invoice
    assert credit.number == invoice.number + 1
    assert (credit.subtotal, credit.vat, credit.total) == (D("-550.00"), D("-25.00"), D("-575.00"))
    assert [line.quantity for line in credit.lines.all()] == [D("-1.00"), D("-1.00")]
    assert open_amount(invoice) == D("0.00")
    # The invoice itself is untouched.
    invoice.refresh_from_db()
    assert invoice.total == D("575.00")


def test_a_credit_note_is_not_credited_and_an_invoice_is_credited_once(world, actor):
    invoice = _issue(actor, world.patient_a)
    credit = invoice_credit(actor=actor, invoice=invoice)
    with pytest.raises(BillingError) as refused:
        invoice_credit(actor=actor, invoice=credit)
    assert refused.value.code == BillingCode.CREDIT_OF_CREDIT
    with pytest.raises(BillingError) as refused:
        invoice_credit(actor=actor, invoice=invoice)
    assert refused.value.code == BillingCode.ALREADY_CREDITED
    assert refused.value.http_status == 409
    assert Invoice.objects.count() == 2
    assert InvoiceSeries.objects.get().last_number == 2


def test_part_payments_then_the_rest_and_no_overpayment(world, actor):
    invoice = _issue(actor, world.patient_a)
    payment_register(actor=actor, invoice=invoice, amount="200", method=PaymentMethod.MOBILEPAY)
    assert open_amount(invoice) == D("250.00")
    with pytest.raises(BillingError) as refused:
        payment_register(actor=actor, invoice=invoice, amount="250.01", method=PaymentMethod.CASH)
    assert (refused.value.code, refused.value.field) == (BillingCode.OVERPAYMENT, "amount")
    assert "250,00" in refused.value.message
    payment_register(actor=actor, invoice=invoice, amount="250.00", method=PaymentMethod.CARD)
    assert open_amount(invoice) == D("0.00")
    with pytest.raises(BillingError) as refused:
        payment_register(actor=actor, invoice=invoice, amount="1", method=PaymentMethod.CASH)
    assert refused.value.code == BillingCode.NOTHING_OPEN
    assert Payment.objects.count() == 2


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"amount": "-5"}, "amount", BillingCode.NOT_POSITIVE),
        ({"amount": "1.001"}, "amount", BillingCode.TOO_MANY_DECIMALS),
        ({"method": "cheque"}, "method", BillingCode.BAD_VALUE),
        ({"paid_on_days": 1}, "date", BillingCode.DATE_IN_FUTURE),
        ({"paid_on_days": -400}, "date", BillingCode.DATE_BEFORE_INVOICE),
    ],
)
def test_bad_payments_are_refused(world, actor, kwargs, field, code):
    invoice = _issue(actor, world.patient_a)
    days = kwargs.pop("paid_on_days", None)
    values = {"amount": "100", "method": PaymentMethod.CASH} | kwargs
    if days is not None:
        values["paid_on"] = timezone.localdate() + timedelta(days=days)
    with pytest.raises(BillingError) as refused:
        payment_register(actor=actor, invoice=invoice, **values)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert not Payment.objects.exists()


def test_a_payment_on_a_credit_note_is_refused(world, actor):
    credit = invoice_credit(actor=actor, invoice=_issue(actor, world.patient_a))
    with pytest.raises(BillingError) as refused:
        payment_register(actor=actor, invoice=credit, amount="1", method=PaymentMethod.CASH)
    assert refused.value.code == BillingCode.PAYMENT_ON_CREDIT


def test_issuing_is_logged_with_the_patient(world, actor):
    invoice = _issue(actor, world.patient_a)
    entry = AccessLogEntry.objects.filter(object_type="invoice").get()
    assert entry.object_id == str(invoice.public_id)
    assert entry.patient_id == world.patient_a.public_id


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_get_distinct_consecutive_numbers(world):
    """Threads with their own connections issue invoices at once in one organisation (and one
    in another): numbers 1..n with no gap and no duplicate, every issue succeeds. PostgreSQL
    queues them on the series row's lock; SQLite on its one writer."""
    attempts = 8 if connection.vendor == "postgresql" else 4
    members = [MembershipFactory(role=Role.SECRETARY, unit=world.unit_a) for _ in range(attempts)]
    barrier = threading.Barrier(attempts)
    outcomes: dict[int, str] = {}
    lock = threading.Lock()

    def issue(index: int) -> None:
        try:
            actor = actor_from_membership(members[index])
            barrier.wait(timeout=10)
            invoice = _issue(actor, world.patient_a)
            outcome = "ok" if invoice.number else "no number"
        except Exception as exc:  # reported in the assertion below
            outcome = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes[index] = outcome

    threads = [threading.Thread(target=issue, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert Counter(outcomes.values()) == {"ok": attempts}, outcomes
    numbers = sorted(
        Invoice.objects.filter(organisation=world.org_a).values_list("number", flat=True)
    )
    assert numbers == list(range(1, attempts + 1))
    assert InvoiceSeries.objects.get(organisation=world.org_a).last_number == attempts


@pytest.mark.django_db(transaction=True)
def test_a_failed_issue_gives_its_number_back(world, secretary, actor_for, monkeypatch):
    """The number is taken in the issuing transaction: an issue that fails after taking it
    leaves no gap."""
    actor = actor_for(secretary)
    _issue(actor, world.patient_a)
    from klinik.billing import services

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_log", broken)
    with pytest.raises(RuntimeError):
        _issue(actor, world.patient_a)
    monkeypatch.undo()
    assert _issue(actor, world.patient_a).number == 2


def test_a_later_number_never_carries_an_earlier_date(world, actor):
    today = timezone.localdate()
    invoice_create(actor=actor, patient=world.patient_a, lines=[_line()], issued_on=today)
    with pytest.raises(BillingError) as refused:
        invoice_create(
            actor=actor,
            patient=world.patient_a,
            lines=[_line()],
            issued_on=today - timedelta(days=1),
        )
    assert (refused.value.code, refused.value.field) == (
        BillingCode.DATE_BEFORE_LAST,
        "issued_on",
    )
    assert Invoice.objects.count() == 1
