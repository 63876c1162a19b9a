"""The door to invoicing for the apps below billing (core/hooks.py; ADR 0011, 0028).

Correspondence (a certificate) and others may not import billing, which sits above them. They
call `invoice_issue(...)`; billing registers its `create_invoice` on `INVOICE_ISSUERS` at
start-up. The invoice is issued by billing's rules: numbered in the organisation's series, VAT
per rate, the source (kind, id, label) kept on it and invoiced once until credited in full.
Refusals are billing's DomainError with the field named (lines.N.unit_price, source, ...).

    issued = invoice_issue(
        actor=actor, patient=patient, source_kind="certificate", source_id=cert.public_id,
        source_label="Attest: Lægeerklæring (LÆ 125)",
        lines=[InvoiceLineRequest("Lægeerklæring LÆ 125", 1, "550.00", 25)],
    )
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from klinik.core.hooks import Hook, hook_items


@dataclass(frozen=True)
class InvoiceLineRequest:
    text: str
    quantity: object  # a number or a decimal string: "1", "1.5"
    unit_price: object  # kroner excluding VAT, at most two decimals: "550.00"
    vat_rate: int  # whole percent: 0 (health treatment) or 25


@dataclass(frozen=True)
class IssuedInvoice:
    public_id: uuid.UUID
    number: int
    total: Decimal


class InvoiceIssuer(Protocol):
    def __call__(
        self,
        *,
        actor: Any,
        patient: Any,
        lines: list[InvoiceLineRequest],
        source_kind: str,
        source_id: uuid.UUID | None,
        source_label: str,
        channel: Any = None,
    ) -> IssuedInvoice: ...


INVOICE_ISSUERS: Hook[InvoiceIssuer] = Hook("invoice_issuers")


def invoice_issue(
    *,
    actor: Any,
    patient: Any,
    lines: list[InvoiceLineRequest],
    source_kind: str,
    source_id: uuid.UUID | None = None,
    source_label: str = "",
    channel: Any = None,
) -> IssuedInvoice:
    """Issue an invoice through billing. None registered is a wiring fault: refuse loudly."""
    issuers = hook_items(INVOICE_ISSUERS)
    if not issuers:
        raise RuntimeError("no invoice issuer registered (is klinik.billing installed?)")
    return issuers[0](
        actor=actor,
        patient=patient,
        lines=lines,
        source_kind=source_kind,
        source_id=source_id,
        source_label=source_label,
        channel=channel,
    )
