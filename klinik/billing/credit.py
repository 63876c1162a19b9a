"""Credit notes, whole or partial (docs/adr/0021, 0028). A credit note has its own number in the
invoice series and refers to the invoice; each of its lines refers to the invoice line it
credits. An invoice may be credited several times, each line at most what is left of it; the
credit note that leaves nothing takes the invoice's remaining VAT exactly, so an invoice and all
its credit notes always sum to nothing once it is credited in full."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from klinik.audit.choices import Action, Channel
from klinik.billing.choices import InvoiceKind
from klinik.billing.errors import BillingCode, billing_error
from klinik.billing.models import Invoice, InvoiceLine
from klinik.billing.money import ZERO, totals
from klinik.billing.numbering import invoice_write_numbered, series_for
from klinik.billing.services import (
    NOTE_MAX,
    _kroner,
    _log,
    amount_check,
    invoice_locked,
    seller_particulars,
)
from klinik.core.models import Organisation
from klinik.core.policy import Actor, Perm, require


@dataclass(frozen=True)
class CreditPart:
    """A line to credit, by its position on the invoice; `amount` in kroner excluding VAT (a
    string from a form or the API), or None for all that is left of the line."""

    position: int
    amount: object = None


def credit_left(line: InvoiceLine) -> Decimal:
    """What is left to credit of an invoice line (excluding VAT)."""
    credited: Decimal = line.credited_by.aggregate(s=Sum("amount"))["s"] or ZERO
    return Decimal(line.amount) + credited


def _credit_lines(
    lines: list[InvoiceLine], parts: Sequence[CreditPart] | None
) -> list[tuple[InvoiceLine, Decimal, bool]]:
    """(line, amount to credit, whether it is the whole line untouched) per chosen line."""
    left = {line.position: credit_left(line) for line in lines}
    by_position = {line.position: line for line in lines}
    if parts is None:
        chosen = [CreditPart(line.position) for line in lines if left[line.position] > 0]
        if not chosen:
            raise billing_error(BillingCode.NOTHING_TO_CREDIT, "lines")
    else:
        chosen = list(parts)
        if not chosen:
            raise billing_error(BillingCode.NO_LINES, "lines")
    result = []
    seen: set[int] = set()
    for index, part in enumerate(chosen):
        field = f"lines.{index}.amount"
        line = by_position.get(part.position)
        if line is None or part.position in seen:
            raise billing_error(
                BillingCode.BAD_VALUE, f"lines.{index}.position", value=part.position
            )
        seen.add(part.position)
        remaining = left[part.position]
        if remaining <= 0:
            raise billing_error(BillingCode.LINE_CREDITED, field)
        if part.amount is None or str(part.amount).strip() == "":
            amount = remaining
        else:
            amount = amount_check(part.amount, field)
            if amount > remaining:
                raise billing_error(BillingCode.CREDIT_TOO_MUCH, field, left=_kroner(remaining))
        result.append((line, amount, amount == line.amount))
    return result


def invoice_credit(
    *,
    actor: Actor,
    invoice: Invoice,
    parts: Sequence[CreditPart] | None = None,
    note: str = "",
    channel: Channel = Channel.UI,
) -> Invoice:
    """A credit note for the invoice: for all that is left of it (`parts` None), or for the
    chosen lines and amounts. A credit note is not credited. Field names in refusals: invoice,
    lines, lines.N.position, lines.N.amount, note."""
    require(actor, Perm.INVOICE_WRITE)
    if invoice.organisation_id not in actor.organisation_ids:
        raise billing_error(BillingCode.PATIENT_NOT_YOURS, "invoice")
    if invoice.is_credit_note:
        raise billing_error(BillingCode.CREDIT_OF_CREDIT, "invoice")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise billing_error(BillingCode.TOO_LONG, "note", max=NOTE_MAX)
    today = timezone.localdate()
    organisation = Organisation.objects.get(pk=invoice.organisation_id)
    series = series_for(invoice.organisation_id)
    patient = invoice.patient
    with transaction.atomic(durable=True):
        # The invoice's row is the lock two credits (or a credit and a payment) of the same
        # invoice queue on; the series is locked only by the number, taken last.
        invoice = invoice_locked(invoice.pk)
        lines = list(invoice.lines.all())
        remaining_total = invoice.total + (invoice.credit_notes.aggregate(s=Sum("total"))["s"] or 0)
        if remaining_total <= 0:  # credited in full (also by credit notes older than 0028)
            earlier = invoice.credit_notes.order_by("-number").first()
            if earlier is None:
                raise billing_error(BillingCode.NOTHING_TO_CREDIT, "invoice")
            raise billing_error(BillingCode.ALREADY_CREDITED, "invoice", number=earlier.number)
        chosen = _credit_lines(lines, parts)
        sums = totals((-amount, line.vat_rate) for line, amount, _ in chosen)
        subtotal, vat = sums.subtotal, sums.vat
        credited_now = {line.pk: amount for line, amount, _ in chosen}
        if all(credit_left(line) - credited_now.get(line.pk, ZERO) <= 0 for line in lines):
            # The last credit: the invoice's VAT is given back to the øre, whatever rounding
            # the earlier partial credits did.
            before = invoice.credit_notes.aggregate(s=Sum("subtotal"), v=Sum("vat"))
            subtotal = -(invoice.subtotal + (before["s"] or ZERO))
            vat = -(invoice.vat + (before["v"] or ZERO))
        is_whole = parts is None and not invoice.credit_notes.exists()
        credit = Invoice(
            organisation=organisation,
            unit_id=invoice.unit_id,
            patient=patient,
            kind=InvoiceKind.CREDIT_NOTE,
            credits=invoice,
            issued_on=max(today, invoice.issued_on),
            supplied_on=invoice.supplied_on,
            due_on=max(today, invoice.issued_on),
            source_kind=invoice.source_kind,
            source_id=invoice.source_id,
            source_label=invoice.source_label,
            buyer_name=invoice.buyer_name,
            buyer_address=invoice.buyer_address,
            seller=seller_particulars(organisation, series),
            subtotal=subtotal,
            vat=vat,
            total=subtotal + vat,
            note=note
            or (
                f"Kreditering af faktura {invoice.number}"
                if is_whole
                else f"Delvis kreditering af faktura {invoice.number}"
            ),
            created_by=actor.user,
        )
        credit_lines = [
            InvoiceLine(
                organisation=organisation,
                position=position,
                text=line.text,
                quantity=-line.quantity if whole else Decimal("-1"),
                unit_price=line.unit_price if whole else amount,
                vat_rate=line.vat_rate,
                amount=-amount,
                price_item_id=line.price_item_id,
                credits_line=line,
            )
            for position, (line, amount, whole) in enumerate(chosen, start=1)
        ]
        invoice_write_numbered(credit, credit_lines, field="invoice")
        _log(actor, credit, Action.CREATE, channel)
    return credit


def credit_choices(invoice: Invoice) -> list[tuple[InvoiceLine, Decimal]]:
    """The invoice's lines with what is left to credit of each (the credit form)."""
    return [(line, credit_left(line)) for line in invoice.lines.all()]
