"""Certificates as an invoice source (issue 15 item 6): correspondence marks a sent
certificate with a fee "to be invoiced"; here it is listed until an invoice bills it and
invoiced at its fee with the VAT rate of its type (a FP certificate carries 25 %, a
municipality's LÆ certificate none). One invoice per certificate until credited
(`invoice_create`'s source rule)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.billing.choices import InvoiceKind, InvoiceSourceKind
from klinik.billing.errors import BillingCode, billing_error
from klinik.billing.models import Invoice
from klinik.billing.services import LineInput, invoice_create
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.certificates.access import access_certificate
from klinik.correspondence.certificates.selectors import certificates_to_invoice
from klinik.correspondence.models import Certificate

LIST_LIMIT = 200


@dataclass(frozen=True)
class CertificateToInvoice:
    public_id: str
    sent_on: str
    patient_name: str
    text: str
    fee: Decimal
    vat_rate: int


def certificates_awaiting_invoice(
    *, actor: Actor, channel: Channel = Channel.UI
) -> list[CertificateToInvoice]:
    """Sent certificates marked for invoicing that no invoice bills yet; one access-log entry."""
    require(actor, Perm.INVOICE_VIEW)
    billed = Invoice.objects.filter(
        organisation_id=OuterRef("organisation_id"),
        kind=InvoiceKind.INVOICE,
        source_kind=InvoiceSourceKind.CERTIFICATE,
        source_id=OuterRef("public_id"),
        credit_notes__isnull=True,
    )
    rows = list(
        certificates_to_invoice(actor=actor)
        .exclude(Exists(billed))
        .order_by("-sent_at")[:LIST_LIMIT]
    )
    patient_list_log(actor, "certificates_to_invoice", len(rows), channel)
    return [
        CertificateToInvoice(
            public_id=str(c.public_id),
            sent_on=f"{c.sent_at:%d.%m.%Y}" if c.sent_at else "",
            patient_name=c.patient.name,
            text=_line_text(c),
            fee=c.fee or Decimal(0),
            vat_rate=c.vat_rate,
        )
        for c in rows
    ]


def _line_text(certificate: Certificate) -> str:
    kind = certificate.certificate_type
    return f"{kind.code} {kind.name}"[:200]


def invoice_from_certificate(
    *, actor: Actor, public_id: object, channel: Channel = Channel.UI
) -> Invoice:
    """Invoice the certificate to its patient: one line at its fee, VAT per its type."""
    require(actor, Perm.INVOICE_WRITE)
    certificate = access_certificate(
        actor=actor,
        public_id=public_id,
        channel=channel,
        for_update=True,
        perms=(Perm.INVOICE_VIEW, Perm.INVOICE_WRITE),
    )
    if not certificate.is_to_invoice or certificate.fee is None:
        raise billing_error(BillingCode.NOT_TO_INVOICE, "certificate")
    supplied_on = certificate.sent_at.date() if certificate.sent_at else None
    return invoice_create(
        actor=actor,
        patient=certificate.patient,
        lines=[
            LineInput(
                text=_line_text(certificate),
                quantity=Decimal(1),
                unit_price=certificate.fee,
                vat_rate=certificate.vat_rate,
            )
        ],
        unit=certificate.unit,
        supplied_on=supplied_on,
        source_kind=InvoiceSourceKind.CERTIFICATE,
        source_id=certificate.public_id,
        source_label=_line_text(certificate),
        channel=channel,
    )
