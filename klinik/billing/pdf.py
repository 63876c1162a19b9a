"""The invoice as a PDF (A4, Danish): the seller with CVR and bank account, the buyer, the
number and dates, the lines, VAT per rate, the total, the due date, the VAT exemption's
reference for treatment and, for a credit note, the invoice it credits."""

from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, Paragraph, Spacer  # type: ignore[import-untyped]

from klinik.billing.choices import VAT_EXEMPT_NOTE
from klinik.billing.models import Reminder
from klinik.billing.selectors import InvoicePage
from klinik.patients.pdf import SMALL, STYLES, pdf_document, pdf_table


def kroner(value: Decimal) -> str:
    """1234.5 -> "1.234,50"."""
    return f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def _p(text: str, style: object = None) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style or STYLES["BodyText"])


def invoice_pdf(page: InvoicePage, reminder: Reminder | None = None) -> bytes:
    """The invoice; with `reminder`, the reminder letter: the invoice again under "Rykker N",
    the fees so far, what is owed and the reminder's own due date."""
    invoice = page.invoice
    seller = invoice.seller
    title = ("Kreditnota" if invoice.is_credit_note else "Faktura") + f" {invoice.number}"
    if reminder is not None:
        title = f"Rykker {reminder.sequence} for faktura {invoice.number}"
    town = " ".join(
        part for part in (seller.get("postal_code", ""), seller.get("city", "")) if part
    )
    seller_lines = [seller.get("name", ""), seller.get("address", ""), town]
    if seller.get("cvr"):
        seller_lines.append(f"CVR-nr. {seller['cvr']}")
    story: list[Flowable] = [
        _p("\n".join(line for line in seller_lines if line)),
        Spacer(1, 12),
        _p(f"{invoice.buyer_name}\n{invoice.buyer_address}"),
        Spacer(1, 12),
        Paragraph(escape(title), STYLES["Heading1"]),
        _p(
            f"Fakturadato: {invoice.issued_on:%d.%m.%Y}\n"
            f"Leveringsdato: {invoice.supplied_on:%d.%m.%Y}\n"
            + (
                f"Krediterer faktura {invoice.credits.number}\n"
                if invoice.credits is not None
                else f"Forfaldsdato: {invoice.due_on:%d.%m.%Y}\n"
            )
            + (f"Vedrørende: {invoice.source_label}\n" if invoice.source_label else "")
        ),
        Spacer(1, 8),
    ]
    rows = [
        [
            line.text,
            kroner(line.quantity),
            kroner(line.unit_price),
            f"{line.vat_rate} %",
            kroner(line.amount),
        ]
        for line in page.lines
    ]
    story.append(pdf_table(["Tekst", "Antal", "Stykpris", "Moms", "Beløb"], rows))
    story.append(Spacer(1, 8))
    sums = [["Beløb uden moms", kroner(invoice.subtotal)]]
    for row in page.vat_rows:
        sums.append([f"Moms {row.rate} % af {kroner(row.base)}", kroner(row.vat)])
    sums.append(["I alt (kr.)", kroner(invoice.total)])
    story.append(pdf_table(["", ""], sums))
    story.append(Spacer(1, 8))
    if any(row.rate == 0 for row in page.vat_rows):
        story.append(_p(VAT_EXEMPT_NOTE, SMALL))
    if not invoice.is_credit_note:
        if page.paid:
            story.append(
                _p(f"Betalt: {kroner(page.paid)} kr. Rest: {kroner(page.open_amount)} kr.")
            )
        account = " ".join(
            part for part in (seller.get("bank_registration"), seller.get("bank_account")) if part
        )
        payment = f"Betales senest {invoice.due_on:%d.%m.%Y}"
        if account:
            payment += f" til reg.nr./konto {account}"
        story.append(_p(payment + f", mærket fakturanummer {invoice.number}."))
    if invoice.note:
        story.append(_p(invoice.note, SMALL))
    return pdf_document(title=title, author=seller.get("name", ""), story=story)
