"""Private invoices, credit notes and payments over REST (issue 16 item 8). Names of endpoints
and fields are the issue's contract; amounts are decimal strings with two decimals, in kroner;
`vat_rate` a whole percent (0 or 25). The rules are billing's services."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema

from klinik.api.types import ApiDate
from klinik.audit.choices import Action, Channel
from klinik.billing.access import access_invoice
from klinik.billing.collection import danmark_report, reminder_send
from klinik.billing.credit import CreditPart, invoice_credit
from klinik.billing.fees.selectors import fees_for_day
from klinik.billing.models import Invoice
from klinik.billing.pdf import invoice_pdf
from klinik.billing.selectors import InvoicePage, invoice_page, invoices_list
from klinik.billing.services import (
    LineInput,
    invoice_create,
    payment_register,
)
from klinik.core.http import ApiRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm
from klinik.patients.access import access_patient

router = Router(tags=["billing"])


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


class LineIn(Schema):
    text: str = Field(..., max_length=200)
    quantity: str | int = Field(default="1", description='a decimal string, e.g. "1" or "1.5"')
    unit_price: str = Field(..., max_length=20, description='kroner, e.g. "450.00"')
    vat_rate: int = Field(..., description="whole percent: 0 or 25")


class InvoiceIn(Schema):
    patient: uuid.UUID
    lines: list[LineIn] = Field(..., max_length=50)
    due_on: ApiDate | None = None
    note: str = Field(default="", max_length=500)


class LineOut(Schema):
    text: str
    quantity: str
    unit_price: str
    vat_rate: int
    amount: str


class VatOut(Schema):
    rate: int
    base: str
    vat: str


class PaymentOut(Schema):
    id: uuid.UUID
    amount: str
    method: str
    date: date


class ReminderOut(Schema):
    sequence: int
    sent_on: date
    due_on: date
    fee: str


class DanmarkOut(Schema):
    reported_at: datetime
    reference: str
    subsidy: str
    patient_pays_after_subsidy: str


class InvoiceOut(Schema):
    id: uuid.UUID
    number: int
    kind: str
    credits: uuid.UUID | None
    credited_by: list[uuid.UUID]
    patient: uuid.UUID
    issued_on: date
    due_on: date
    subtotal: str
    vat: str
    total: str
    vat_by_rate: list[VatOut]
    lines: list[LineOut]
    payments: list[PaymentOut]
    reminders: list[ReminderOut]
    danmark: DanmarkOut | None
    paid: str
    reminder_fees: str
    open_amount: str
    pdf: str


def invoice_out(page: InvoicePage) -> InvoiceOut:
    invoice = page.invoice
    return InvoiceOut(
        id=invoice.public_id,
        number=invoice.number,
        kind=invoice.kind,
        credits=invoice.credits.public_id if invoice.credits is not None else None,
        credited_by=[c.public_id for c in page.credit_notes],
        patient=invoice.patient.public_id,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        subtotal=_money(invoice.subtotal),
        vat=_money(invoice.vat),
        total=_money(invoice.total),
        vat_by_rate=[
            VatOut(rate=r.rate, base=_money(r.base), vat=_money(r.vat)) for r in page.vat_rows
        ],
        lines=[
            LineOut(
                text=line.text,
                quantity=_money(line.quantity),
                unit_price=_money(line.unit_price),
                vat_rate=line.vat_rate,
                amount=_money(line.amount),
            )
            for line in page.lines
        ],
        payments=[
            PaymentOut(id=p.public_id, amount=_money(p.amount), method=p.method, date=p.paid_on)
            for p in page.payments
        ],
        reminders=[
            ReminderOut(sequence=r.sequence, sent_on=r.sent_on, due_on=r.due_on, fee=_money(r.fee))
            for r in page.reminders
        ],
        danmark=DanmarkOut(
            reported_at=page.danmark.reported_at,
            reference=page.danmark.reference,
            subsidy=_money(page.danmark.subsidy),
            patient_pays_after_subsidy=_money(page.after_subsidy or Decimal(0)),
        )
        if page.danmark is not None
        else None,
        paid=_money(page.paid),
        reminder_fees=_money(page.fees),
        open_amount=_money(page.open_amount),
        pdf=f"/api/v1/invoices/{invoice.public_id}.pdf",
    )


@router.post("/invoices", response={201: InvoiceOut}, summary="Issue an invoice")
def invoice_create_endpoint(request: ApiRequest, payload: InvoiceIn) -> tuple[int, InvoiceOut]:
    """Numbered from the organisation's series; VAT per rate on the rate's sum, rounded half
    up to whole øre. Bad input (a negative quantity, an unknown VAT rate, a price with more
    than two decimals): 422 naming the field (`lines.0.unit_price`), nothing written."""
    actor = request.auth
    patient = access_patient(
        actor=actor, public_id=payload.patient, channel=Channel.API, is_logged_by_caller=True
    )
    invoice = invoice_create(
        actor=actor,
        patient=patient,
        lines=[
            LineInput(
                text=line.text,
                quantity=line.quantity,
                unit_price=line.unit_price,
                vat_rate=line.vat_rate,
            )
            for line in payload.lines
        ],
        due_on=payload.due_on,
        note=payload.note,
        channel=Channel.API,
    )
    return 201, invoice_out(invoice_page(invoice))


class InvoiceRowOut(Schema):
    id: uuid.UUID
    number: int
    kind: str
    issued_on: date
    due_on: date
    buyer: str
    total: str
    paid: str
    open_amount: str
    is_overdue: bool


@router.get("/invoices", response=list[InvoiceRowOut], summary="Invoices (or the open items)")
def invoice_list_endpoint(request: ApiRequest, open: bool = False) -> list[InvoiceRowOut]:
    """Newest first (at most 200); `open=true`: the invoices with money owed, oldest due first."""
    rows = invoices_list(
        actor=request.auth, today=timezone.localdate(), is_open_only=open, channel=Channel.API
    )
    return [
        InvoiceRowOut(
            id=uuid.UUID(r.public_id),
            number=r.number,
            kind=r.kind,
            issued_on=r.issued_on,
            due_on=r.due_on,
            buyer=r.buyer_name,
            total=_money(r.total),
            paid=_money(r.paid),
            open_amount=_money(r.open_amount),
            is_overdue=r.is_overdue,
        )
        for r in rows
    ]


@router.get("/invoices/{invoice_id}.pdf", summary="The invoice as PDF", response={200: None})
def invoice_pdf_endpoint(request: ApiRequest, invoice_id: str) -> HttpResponse:
    invoice = access_invoice(
        actor=request.auth, public_id=invoice_id, channel=Channel.API, action=Action.PRINT
    )
    response = HttpResponse(invoice_pdf(invoice_page(invoice)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="faktura-{invoice.number}.pdf"'
    return response


@router.get("/invoices/{invoice_id}", response=InvoiceOut, summary="One invoice")
def invoice_detail_endpoint(request: ApiRequest, invoice_id: str) -> InvoiceOut:
    invoice = access_invoice(actor=request.auth, public_id=invoice_id, channel=Channel.API)
    return invoice_out(invoice_page(invoice))


class CreditLineIn(Schema):
    position: int = Field(..., description="the invoice line's position (1, 2, ...)")
    amount: str | None = Field(
        default=None, description='kroner excl. VAT, e.g. "100.00"; omitted: all that is left'
    )


class CreditIn(Schema):
    note: str = Field(default="", max_length=500)
    lines: list[CreditLineIn] | None = Field(
        default=None, description="the lines to credit (partly); omitted: the whole invoice"
    )


@router.post(
    "/invoices/{invoice_id}/credit", response={201: InvoiceOut}, summary="Credit an invoice"
)
def invoice_credit_endpoint(
    request: ApiRequest, invoice_id: str, payload: CreditIn | None = None
) -> tuple[int, InvoiceOut]:
    """A credit note with its own number in the same series: for all that is left of the
    invoice, or for the `lines` given (each by position, with an amount excluding VAT or all
    that is left of it). A credit note cannot be credited (422); an invoice credited in full
    already: 409; more than is left of a line: 422 naming `lines.N.amount`."""
    actor = request.auth
    invoice = access_invoice(
        actor=actor,
        public_id=invoice_id,
        channel=Channel.API,
        perm=Perm.INVOICE_WRITE,
        is_logged=False,
    )
    parts = None
    if payload is not None and payload.lines is not None:
        parts = [CreditPart(position=line.position, amount=line.amount) for line in payload.lines]
    credit = invoice_credit(
        actor=actor,
        invoice=invoice,
        parts=parts,
        note=payload.note if payload else "",
        channel=Channel.API,
    )
    return 201, invoice_out(invoice_page(credit))


class PaymentIn(Schema):
    amount: str | int = Field(..., description='kroner, e.g. "200.00"')
    method: str = Field(..., description="cash, card, mobilepay or bank_transfer")
    date: ApiDate | None = None


class PaymentCreated(Schema):
    id: uuid.UUID
    amount: str
    method: str
    date: date
    invoice: InvoiceOut


@router.post(
    "/invoices/{invoice_id}/payments",
    response={201: PaymentCreated},
    summary="Register a payment",
)
def payment_create_endpoint(
    request: ApiRequest, invoice_id: str, payload: PaymentIn
) -> tuple[int, PaymentCreated]:
    """A part payment or the rest. More than the open amount is refused (422 on `amount`)."""
    actor = request.auth
    invoice = access_invoice(
        actor=actor,
        public_id=invoice_id,
        channel=Channel.API,
        perm=Perm.INVOICE_WRITE,
        is_logged=False,
    )
    payment = payment_register(
        actor=actor,
        invoice=invoice,
        amount=payload.amount,
        method=payload.method,
        paid_on=payload.date,
        channel=Channel.API,
    )
    return 201, PaymentCreated(
        id=payment.public_id,
        amount=_money(payment.amount),
        method=payment.method,
        date=payment.paid_on,
        invoice=invoice_out(invoice_page(invoice)),
    )


class ReminderIn(Schema):
    fee: str | int = Field(default="100.00", description="kroner, at most 100")


def _writable(request: ApiRequest, invoice_id: str) -> Invoice:
    return access_invoice(
        actor=request.auth,
        public_id=invoice_id,
        channel=Channel.API,
        perm=Perm.INVOICE_WRITE,
        is_logged=False,
    )


@router.post(
    "/invoices/{invoice_id}/reminders", response={201: InvoiceOut}, summary="Send a reminder"
)
def reminder_create_endpoint(
    request: ApiRequest, invoice_id: str, payload: ReminderIn
) -> tuple[int, InvoiceOut]:
    """The next reminder (rykker) of an overdue invoice: after the due date, at least 10 days
    after the previous one, at most 3, the fee at most 100 kr. (renteloven § 9 b); refusals
    are 422 with a code (`not_overdue`, `reminder_too_soon`, `reminders_used`, `fee_too_high`)."""
    invoice = _writable(request, invoice_id)
    reminder_send(actor=request.auth, invoice=invoice, fee=payload.fee, channel=Channel.API)
    return 201, invoice_out(invoice_page(invoice))


@router.post(
    "/invoices/{invoice_id}/danmark",
    response={201: InvoiceOut},
    summary='Report the invoice to "danmark"',
)
def danmark_report_endpoint(request: ApiRequest, invoice_id: str) -> tuple[int, InvoiceOut]:
    """The member's subsidy reported through the adapter; the invoice answers with `danmark`
    (the subsidy and what the patient pays after it). Once per invoice (409); a claim older
    than three years is refused (422 `claim_lapsed`)."""
    invoice = _writable(request, invoice_id)
    danmark_report(actor=request.auth, invoice=invoice, channel=Channel.API)
    return 201, invoice_out(invoice_page(invoice))


class FeeOut(Schema):
    id: uuid.UUID
    patient: uuid.UUID
    appointment: uuid.UUID | None
    date: date
    code: str
    title: str
    insurance_group: int
    payer: str
    amount: str
    status: str


@router.get("/fees", response=list[FeeOut], summary="A day's fees (ydelser)")
def fee_list_endpoint(
    request: ApiRequest, date: ApiDate, unit: uuid.UUID | None = None
) -> list[FeeOut]:
    """The fees of `date` (of one unit, or of all the organisation's), with the amount from
    the fee table valid that day for the patient's group and who pays."""
    actor = request.auth
    chosen = None
    if unit is not None:
        chosen = Unit.objects.filter(
            organisation_id__in=actor.organisation_ids, public_id=unit
        ).first()
        if chosen is None:
            raise Http404
    fees = fees_for_day(actor=actor, day=date, unit=chosen, channel=Channel.API)
    return [
        FeeOut(
            id=f.public_id,
            patient=f.patient.public_id,
            appointment=f.appointment.public_id if f.appointment is not None else None,
            date=f.performed_on,
            code=f.code,
            title=f.title,
            insurance_group=f.insurance_group,
            payer=f.payer,
            amount=_money(f.amount),
            status=f.status,
        )
        for f in fees
    ]
