"""The bookkeeping journal: a period's invoices, credit notes, reminder fees and payments as
double entries in a semicolon CSV that common Danish accounting systems import (one line per
account posting: date, voucher, text, account, debit, credit, VAT code). The account mapping
below is the default (a small practice's chart of accounts); an accountant maps it to theirs
on import. SAF-T Financial is not produced yet (docs/adr/0021)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.billing.models import Invoice, Payment, Reminder
from klinik.core.policy import Actor, Perm, require

# account: (number, name). VAT codes: "S25" output VAT 25 %, "SF" exempt health treatment.
ACCOUNTS = {
    "receivables": ("5600", "Debitorer (patienter)"),
    "revenue_exempt": ("1010", "Salg af sundhedsydelser, momsfrit"),
    "revenue_vat": ("1020", "Salg, momspligtigt"),
    "output_vat": ("7250", "Salgsmoms"),
    "reminder_fees": ("1090", "Rykkergebyrer"),
    "cash": ("5800", "Kasse"),
    "card": ("5810", "Kortindløser"),
    "mobilepay": ("5820", "MobilePay"),
    "bank_transfer": ("5830", "Bank"),
}
HEADER = ["Dato", "Bilag", "Tekst", "Konto", "Kontonavn", "Debet", "Kredit", "Momskode"]


@dataclass(frozen=True)
class Posting:
    day: date
    voucher: str
    text: str
    account: str
    debit: Decimal
    credit: Decimal
    vat_code: str = ""


def _post(day: date, voucher: str, text: str, key: str, amount: Decimal, vat: str = "") -> Posting:
    """A positive amount is a debit, a negative one a credit."""
    return Posting(
        day,
        voucher,
        text,
        key,
        amount if amount > 0 else Decimal("0.00"),
        -amount if amount < 0 else Decimal("0.00"),
        vat,
    )


def journal_postings(
    *, organisation_ids: frozenset[int], start: date, end: date
) -> Iterator[Posting]:
    invoices = (
        Invoice.objects.filter(organisation_id__in=organisation_ids, issued_on__range=(start, end))
        .prefetch_related("lines")
        .order_by("number")
    )
    for invoice in invoices:
        voucher = f"F{invoice.number}"
        text = f"{invoice.get_kind_display()} {invoice.number} {invoice.buyer_name}"
        yield _post(invoice.issued_on, voucher, text, "receivables", invoice.total)
        exempt = sum(
            (line.amount for line in invoice.lines.all() if line.vat_rate == 0), Decimal(0)
        )
        liable = sum(
            (line.amount for line in invoice.lines.all() if line.vat_rate != 0), Decimal(0)
        )
        if exempt:
            yield _post(invoice.issued_on, voucher, text, "revenue_exempt", -exempt, "SF")
        if liable:
            yield _post(invoice.issued_on, voucher, text, "revenue_vat", -liable, "S25")
        if invoice.vat:
            yield _post(invoice.issued_on, voucher, text, "output_vat", -invoice.vat, "S25")
    reminders = Reminder.objects.filter(
        organisation_id__in=organisation_ids, sent_on__range=(start, end), fee__gt=0
    ).select_related("invoice")
    for reminder in reminders.order_by("sent_on", "id"):
        voucher = f"R{reminder.invoice.number}-{reminder.sequence}"
        text = f"Rykkergebyr faktura {reminder.invoice.number}"
        yield _post(reminder.sent_on, voucher, text, "receivables", reminder.fee)
        yield _post(reminder.sent_on, voucher, text, "reminder_fees", -reminder.fee)
    payments = Payment.objects.filter(
        organisation_id__in=organisation_ids, paid_on__range=(start, end)
    ).select_related("invoice")
    for payment in payments.order_by("paid_on", "id"):
        voucher = f"B{payment.invoice.number}-{payment.pk}"
        text = f"Indbetaling faktura {payment.invoice.number} ({payment.get_method_display()})"
        yield _post(payment.paid_on, voucher, text, payment.method, payment.amount)
        yield _post(payment.paid_on, voucher, text, "receivables", -payment.amount)


def journal_csv(*, actor: Actor, start: date, end: date, channel: Channel = Channel.UI) -> bytes:
    """The period's journal as CSV (UTF-8 with a mark, decimal commas); logged as an export."""
    require(actor, Perm.INVOICE_VIEW)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADER)
    count = 0
    for p in journal_postings(organisation_ids=actor.organisation_ids, start=start, end=end):
        number, name = ACCOUNTS[p.account]
        writer.writerow(
            [
                f"{p.day:%d-%m-%Y}",
                p.voucher,
                p.text,
                number,
                name,
                f"{p.debit:.2f}".replace(".", ","),
                f"{p.credit:.2f}".replace(".", ","),
                p.vat_code,
            ]
        )
        count += 1
    access_log_record(
        actor=actor,
        action=Action.EXPORT,
        purpose=Purpose.ADMINISTRATION,
        channel=channel,
        object_type="bookkeeping_journal",
        reason=f"{count} rows",
    )
    return out.getvalue().encode()
