"""The invoice series: the numbers of invoices and credit notes (docs/adr/0021, 0036).

Numbers are consecutive, gap-free and unique per organisation whatever the concurrency, and
the series' lock is held for as short a time as the law's guarantees allow. An issue is
prepared in full before it asks for a number (checks, sums, the invoice row and its lines
built, the lines written), and the number is taken by the last statement that writes billing
data: `invoice_write_numbered` advances the organisation's `InvoiceSeries` row and inserts the
invoice with the number that returns. Updating the row locks it until the issuing transaction
ends, so the next issue in the organisation waits only for this one's access-log entry and
commit; a rollback gives the number back. The same statement checks that a later number never
carries an earlier date (the series row keeps the date of its last number; its condition is
re-checked on the row's newest version after a wait). A unique constraint on
`(organisation, number)` stands behind it all.

PostgreSQL: one statement (a data-modifying WITH); the lines go in before the invoice, with
the id drawn from the invoice table's sequence (their foreign key is checked at commit).
SQLite: every transaction holds the one write lock from BEGIN (IMMEDIATE), so the order
inside does not change who waits: the series is advanced first (UPDATE ... RETURNING) and the
invoice and its lines follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any, NoReturn

from django.db import connection
from django.db.models import Field

from klinik.billing.errors import BillingCode, billing_error
from klinik.billing.models import Invoice, InvoiceLine, InvoiceSeries

# Advances the series unless its last number carries a later date than this issue's. After
# waiting for another issue's lock, PostgreSQL re-checks the condition on the row as that
# issue left it.
_TAKE = (
    "UPDATE billing_invoiceseries SET last_number = last_number + 1, last_issued_on = %s "
    "WHERE organisation_id = %s AND (last_issued_on IS NULL OR last_issued_on <= %s) "
    "RETURNING last_number"
)


def series_for(organisation_id: int) -> InvoiceSeries:
    """The organisation's series, as it stands (not locked): its payment terms and bank
    account for the invoice. Created on first use."""
    series = InvoiceSeries.objects.filter(organisation_id=organisation_id).first()
    if series is None:
        series, _created = InvoiceSeries.objects.get_or_create(organisation_id=organisation_id)
    return series


@cache
def _insert_numbered() -> tuple[list[Field[Any, Any]], str]:
    """The invoice's columns but its number, and the PostgreSQL statement that takes the
    number and inserts the invoice with it (RETURNING the number; no row: not advanced)."""
    fields = [f for f in Invoice._meta.concrete_fields if f.attname != "number"]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    return fields, (
        f"WITH taken AS ({_TAKE}) "  # noqa: S608  (constant SQL: the model's columns)
        f"INSERT INTO billing_invoice ({columns}, number) "
        f"SELECT {values}, last_number FROM taken RETURNING number"
    )


def invoice_write_numbered(invoice: Invoice, lines: Sequence[InvoiceLine], *, field: str) -> None:
    """Write a prepared invoice (or credit note) and its lines, numbered from its
    organisation's series, inside the caller's transaction; from here to that transaction's
    end the series is locked, so the caller should have nothing left but its access-log entry.
    Refused (DATE_BEFORE_LAST on `field`) when the series' last number is dated later."""
    issued_on: date = invoice.issued_on
    take: list[Any] = [issued_on, invoice.organisation_id, issued_on]
    if connection.vendor == "postgresql":
        fields, sql = _insert_numbered()
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('billing_invoice', 'id'))")
            invoice.pk = cursor.fetchone()[0]
        _lines_write(invoice, lines)
        values = [f.get_db_prep_save(f.pre_save(invoice, True), connection) for f in fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, take + values)  # the series is locked from here on
            row = cursor.fetchone()
        if row is None:
            _refuse(invoice.organisation_id, field)
        invoice.number = row[0]
        invoice._state.adding = False
        invoice._state.db = connection.alias
        return
    with connection.cursor() as cursor:
        cursor.execute(_TAKE, take)
        row = cursor.fetchone()
    if row is None:
        _refuse(invoice.organisation_id, field)
    invoice.number = row[0]
    invoice.save(force_insert=True)
    _lines_write(invoice, lines)


def _lines_write(invoice: Invoice, lines: Sequence[InvoiceLine]) -> None:
    for line in lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)


def _refuse(organisation_id: int, field: str) -> NoReturn:
    last = (
        InvoiceSeries.objects.filter(organisation_id=organisation_id)
        .values_list("last_issued_on", flat=True)
        .get()
    )
    raise billing_error(BillingCode.DATE_BEFORE_LAST, field, day=f"{last:%d.%m.%Y}")
