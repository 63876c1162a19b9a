"""Numbers from the series taken last (docs/adr/0036): after the statement that takes the number
only the access-log entry and the commit remain; the date rule is checked by that statement;
invoices, credit notes and invoices for one source issued at once share one gap-free series."""

from __future__ import annotations

import importlib
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from klinik.billing.choices import InvoiceKind, InvoiceSourceKind
from klinik.billing.credit import invoice_credit
from klinik.billing.errors import BillingCode, BillingError
from klinik.billing.models import Invoice, InvoiceLine, InvoiceSeries
from klinik.billing.services import LineInput, invoice_create
from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import MembershipFactory

TAKE = "last_number = last_number + 1"


def _lines() -> list[LineInput]:
    return [
        LineInput(text="Behandling", quantity="1", unit_price="450.00", vat_rate=0),
        LineInput(text="Attest", quantity="1", unit_price="125.50", vat_rate=25),
    ]


def test_the_number_is_taken_last_and_only_the_access_log_follows(world, actor):
    invoice_create(actor=actor, patient=world.patient_a, lines=_lines())  # the series exists
    with CaptureQueriesContext(connection) as queries:
        invoice = invoice_create(actor=actor, patient=world.patient_a, lines=_lines())
    # (The test's own transaction turns the service's into a savepoint.)
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    taken = next(i for i, sql in enumerate(statements) if TAKE in sql)
    after = statements[taken + 1 :]
    if connection.vendor == "postgresql":
        # One statement takes the number and inserts the invoice; the lines went in before.
        assert "INSERT INTO billing_invoice " in statements[taken]
        # Then the access-log entry: one statement (ADR 0039; the connection knows the head
        # from the first invoice).
        assert len(after) == 1 and "audit_" in after[0], after
        assert len(statements) == 5, statements
    else:
        # SQLite holds its one write lock for the whole transaction: the order inside is free.
        assert [sql.split('"')[1] for sql in after[:2]] == [
            "billing_invoice",
            "billing_invoiceline",
        ]
        assert len(statements) == 7, statements
    assert invoice.number == 2 and invoice.lines.count() == 2
    series = InvoiceSeries.objects.get(organisation=world.org_a)
    assert (series.last_number, series.last_issued_on) == (2, invoice.issued_on)


def test_an_earlier_date_is_refused_by_the_numbering_and_nothing_is_written(world, actor):
    today = timezone.localdate()
    invoice_create(actor=actor, patient=world.patient_a, lines=_lines(), issued_on=today)
    with pytest.raises(BillingError) as refused:
        invoice_create(
            actor=actor, patient=world.patient_a, lines=_lines(), issued_on=today - timedelta(1)
        )
    assert (refused.value.code, refused.value.field) == (BillingCode.DATE_BEFORE_LAST, "issued_on")
    assert f"{today:%d.%m.%Y}" in refused.value.message
    assert (Invoice.objects.count(), InvoiceLine.objects.count()) == (1, 2)
    series = InvoiceSeries.objects.get(organisation=world.org_a)
    assert (series.last_number, series.last_issued_on) == (1, today)


def test_existing_series_learn_the_date_of_their_last_number(world, actor, actor_for):
    first = invoice_create(actor=actor, patient=world.patient_a, lines=_lines())
    invoice_credit(actor=actor, invoice=first)
    other = actor_for(world.member(Role.SECRETARY, unit=world.unit_b))
    invoice_create(actor=other, patient=world.patient_b, lines=_lines())
    InvoiceSeries.objects.update(last_issued_on=None)  # as before migration 0003
    migration = importlib.import_module(
        "klinik.billing.migrations.0004_series_last_issued_on_filled"
    )
    migration.forward(django_apps, None)
    assert set(InvoiceSeries.objects.values_list("last_issued_on", flat=True)) == {
        timezone.localdate()
    }


def _at_once(count: int, work: Callable[[int], object]) -> Counter[str]:
    """Run work(0..count-1) in threads with their own connections, released together; the
    outcomes: "ok" or the error's code or type."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            work(index)
            outcome = "ok"
        except BillingError as exc:
            outcome = str(exc.code)
        except Exception as exc:  # reported in the caller's assertion
            outcome = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return Counter(outcomes)


def _numbers(world) -> list[int]:
    return sorted(Invoice.objects.filter(organisation=world.org_a).values_list("number", flat=True))


@pytest.mark.django_db(transaction=True)
def test_invoices_and_credit_notes_at_once_share_one_gap_free_series(world):
    """Credit notes lock the invoice they credit and take their number last, like invoices:
    issued at once, they still get consecutive numbers from the same series."""
    count = 6 if connection.vendor == "postgresql" else 4
    actors = [
        actor_from_membership(MembershipFactory(role=Role.SECRETARY, unit=world.unit_a))
        for _ in range(count)
    ]
    earlier = [
        invoice_create(actor=actors[0], patient=world.patient_a, lines=_lines())
        for _ in range(count // 2)
    ]

    def work(index: int) -> None:
        if index % 2:
            invoice_credit(actor=actors[index], invoice=earlier[index // 2])
        else:
            invoice_create(actor=actors[index], patient=world.patient_a, lines=_lines())

    assert _at_once(count, work) == {"ok": count}
    assert _numbers(world) == list(range(1, len(earlier) + count + 1))
    kinds = Counter(Invoice.objects.values_list("kind", flat=True))
    credits = count // 2
    assert kinds == {InvoiceKind.INVOICE: len(earlier) + credits, InvoiceKind.CREDIT_NOTE: credits}
    assert InvoiceLine.objects.filter(invoice__kind=InvoiceKind.CREDIT_NOTE).count() == 2 * credits


@pytest.mark.django_db(transaction=True)
def test_two_credits_of_one_invoice_at_once_credit_it_once(world):
    actors = [
        actor_from_membership(MembershipFactory(role=Role.SECRETARY, unit=world.unit_a))
        for _ in range(2)
    ]
    invoice = invoice_create(actor=actors[0], patient=world.patient_a, lines=_lines())

    def work(index: int) -> None:
        invoice_credit(actor=actors[index], invoice=invoice)

    assert _at_once(2, work) == {"ok": 1, BillingCode.ALREADY_CREDITED: 1}
    assert _numbers(world) == [1, 2]
    assert InvoiceSeries.objects.get(organisation=world.org_a).last_number == 2


@pytest.mark.django_db(transaction=True)
def test_one_source_issued_at_once_is_invoiced_once_without_a_gap(world):
    """The source is checked after the number is taken, still under the series' lock: the
    losers are refused and give their numbers back."""
    count = 4
    actors = [
        actor_from_membership(MembershipFactory(role=Role.SECRETARY, unit=world.unit_a))
        for _ in range(count)
    ]
    source = uuid.uuid4()

    def work(index: int) -> None:
        invoice_create(
            actor=actors[index],
            patient=world.patient_a,
            lines=_lines(),
            source_kind=InvoiceSourceKind.APPOINTMENT,
            source_id=source,
        )

    assert _at_once(count, work) == {"ok": 1, BillingCode.ALREADY_INVOICED: count - 1}
    assert _numbers(world) == [1]
    assert InvoiceLine.objects.count() == 2
    assert InvoiceSeries.objects.get(organisation=world.org_a).last_number == 1
