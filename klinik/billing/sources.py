"""Invoices from other apps' sources (a certificate, ...): `create_invoice` is the one entry
point, registered on core.invoicing.INVOICE_ISSUERS for the apps below billing (ADR 0028)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from klinik.audit.choices import Channel
from klinik.billing.services import LineInput, invoice_create
from klinik.core.invoicing import InvoiceLineRequest, IssuedInvoice
from klinik.core.policy import Actor
from klinik.patients.models import Patient


def create_invoice(
    *,
    actor: Actor,
    patient: Patient,
    lines: Sequence[InvoiceLineRequest | LineInput],
    source_kind: str,
    source_id: uuid.UUID | None = None,
    source_label: str = "",
    channel: Any = None,
) -> IssuedInvoice:
    """Issue an invoice for a source: `source_kind` one of InvoiceSourceKind ("certificate",
    "manual", ...), `source_id` the source's public id (invoiced once until credited in full),
    `source_label` what it is in words, shown on the invoice. Lines: text, quantity, unit price
    (kroner excl. VAT), VAT rate 0 or 25. Refusals: billing's DomainError naming the field."""
    invoice = invoice_create(
        actor=actor,
        patient=patient,
        lines=[
            line
            if isinstance(line, LineInput)
            else LineInput(line.text, line.quantity, line.unit_price, line.vat_rate)
            for line in lines
        ],
        source_kind=source_kind,
        source_id=source_id,
        source_label=source_label,
        channel=channel if isinstance(channel, Channel) else Channel.UI,
    )
    return IssuedInvoice(public_id=invoice.public_id, number=invoice.number, total=invoice.total)
