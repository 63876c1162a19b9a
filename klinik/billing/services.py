"""Writes of private invoicing: issue an invoice (by hand, from an appointment, from another
source such as a certificate), credit it, register payments, keep the price list.

Numbers come from the organisation's `InvoiceSeries` (billing.numbering): an issue is checked,
summed and built first, and takes its number with the last statement before its access-log
entry and commit, so issues at once in one organisation queue only for that much
(docs/adr/0021, 0036).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.billing.choices import VAT_RATES, InvoiceKind, InvoiceSourceKind, PaymentMethod
from klinik.billing.errors import BillingCode, billing_error
from klinik.billing.models import Invoice, InvoiceLine, InvoiceSeries, Payment, PriceItem
from klinik.billing.money import (
    AMOUNT_MAX,
    QUANTITY_MAX,
    ZERO,
    Totals,
    decimal_parse,
    line_amount,
    places,
    totals,
)
from klinik.billing.numbering import invoice_write_numbered, series_for
from klinik.core.models import Organisation, Unit
from klinik.core.policy import Actor, Perm, require
from klinik.patients.models import Patient
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.models import Appointment, AppointmentType

LINES_MAX = 50
TEXT_MAX = 200
NOTE_MAX = 500


@dataclass(frozen=True)
class LineInput:
    """A line as given (strings from a form or the API): checked by `invoice_create`."""

    text: str
    quantity: object
    unit_price: object
    vat_rate: object
    price_item: PriceItem | None = None


@dataclass(frozen=True)
class _Line:
    text: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: int
    amount: Decimal
    price_item: PriceItem | None


def amount_check(value: object, field: str, *, allow_zero: bool = False) -> Decimal:
    """Kroner with at most two decimals, more than zero (or zero when allowed), sane size."""
    if value is None or str(value).strip() == "":
        raise billing_error(BillingCode.REQUIRED, field)
    number = decimal_parse(value)
    if number is None:
        raise billing_error(BillingCode.BAD_NUMBER, field)
    if number < 0 or (number == 0 and not allow_zero):
        raise billing_error(BillingCode.NOT_POSITIVE, field)
    if places(number) > 2:
        raise billing_error(BillingCode.TOO_MANY_DECIMALS, field)
    if number > AMOUNT_MAX:
        raise billing_error(BillingCode.TOO_LARGE, field)
    return number.quantize(Decimal("0.01"))


def vat_rate_check(value: object, field: str) -> int:
    number = decimal_parse(value)
    if number is None or number != number.to_integral_value() or int(number) not in VAT_RATES:
        raise billing_error(BillingCode.BAD_VAT_RATE, field)
    return int(number)


def _lines_check(lines: Sequence[LineInput]) -> list[_Line]:
    if not lines:
        raise billing_error(BillingCode.NO_LINES, "lines")
    if len(lines) > LINES_MAX:
        raise billing_error(BillingCode.TOO_MANY_LINES, "lines", max=LINES_MAX)
    checked = []
    for index, line in enumerate(lines):
        prefix = f"lines.{index}."
        text = " ".join(str(line.text or "").split())
        if not text:
            raise billing_error(BillingCode.REQUIRED, prefix + "text")
        if len(text) > TEXT_MAX:
            raise billing_error(BillingCode.TOO_LONG, prefix + "text", max=TEXT_MAX)
        quantity = amount_check(line.quantity, prefix + "quantity")
        if quantity > QUANTITY_MAX:
            raise billing_error(BillingCode.TOO_LARGE, prefix + "quantity")
        unit_price = amount_check(line.unit_price, prefix + "unit_price", allow_zero=True)
        vat_rate = vat_rate_check(line.vat_rate, prefix + "vat_rate")
        amount = line_amount(quantity, unit_price)
        if amount > AMOUNT_MAX:
            raise billing_error(BillingCode.TOO_LARGE, prefix + "unit_price")
        checked.append(_Line(text, quantity, unit_price, vat_rate, amount, line.price_item))
    return checked


def seller_particulars(organisation: Organisation, series: InvoiceSeries) -> dict[str, str]:
    """What the invoice says about the seller, copied in at issue."""
    return {
        "name": organisation.name,
        "address": organisation.address,
        "postal_code": organisation.postal_code,
        "city": organisation.city,
        "cvr": organisation.cvr,
        "phone": organisation.phone,
        "email": organisation.email,
        "bank_registration": series.bank_registration,
        "bank_account": series.bank_account,
    }


def _log(actor: Actor, invoice: Invoice, action: Action, channel: Channel) -> None:
    access_log_record(
        actor=actor,
        action=action,
        purpose=Purpose.ADMINISTRATION,
        channel=channel,
        object_type="invoice",
        object_id=invoice.public_id,
        patient_id=invoice.patient.public_id,
        organisation_id=invoice.organisation_id,
    )


def _source_invoiced(invoice: Invoice) -> Invoice | None:
    """Another invoice already billing this invoice's source and not credited in full."""
    rows = (
        Invoice.objects.filter(
            organisation_id=invoice.organisation_id,
            kind=InvoiceKind.INVOICE,
            source_kind=invoice.source_kind,
            source_id=invoice.source_id,
        )
        .exclude(pk=invoice.pk)
        .annotate(credited=Sum("credit_notes__total"))
        .order_by("number")
    )
    for invoice in rows:
        if invoice.total + (invoice.credited or ZERO) > 0:
            return invoice
    return None


@dataclass(frozen=True)
class _Issue:
    """An invoice checked and ready to write (all but its number)."""

    organisation: Organisation
    series: InvoiceSeries
    unit: Unit
    patient: Patient
    lines: list[_Line]
    sums: Totals
    issued_on: date
    supplied_on: date | None
    due_on: date | None
    source_kind: str
    source_id: uuid.UUID | None
    source_label: str
    note: str


def _invoice_check(
    *,
    actor: Actor,
    patient: Patient,
    lines: Sequence[LineInput],
    unit: Unit | None,
    issued_on: date | None,
    supplied_on: date | None,
    due_on: date | None,
    source_kind: str,
    source_id: uuid.UUID | None,
    source_label: str,
    note: str,
) -> _Issue:
    require(actor, Perm.INVOICE_WRITE)
    if patient.organisation_id not in actor.organisation_ids:
        raise billing_error(BillingCode.PATIENT_NOT_YOURS, "patient")
    unit = unit or actor.unit or patient.unit
    if unit is None or unit.organisation_id != patient.organisation_id:
        raise billing_error(BillingCode.UNIT_NOT_YOURS, "unit")
    if source_kind not in InvoiceSourceKind.values:
        raise billing_error(BillingCode.BAD_VALUE, "source", value=source_kind)
    source_label = " ".join(source_label.split())
    if len(source_label) > TEXT_MAX:
        raise billing_error(BillingCode.TOO_LONG, "source_label", max=TEXT_MAX)
    checked = _lines_check(lines)
    sums = totals((line.amount, line.vat_rate) for line in checked)
    if sums.total > AMOUNT_MAX:
        raise billing_error(BillingCode.TOO_LARGE, "lines")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise billing_error(BillingCode.TOO_LONG, "note", max=NOTE_MAX)
    today = timezone.localdate()
    issued_on = issued_on or today
    if issued_on > today:
        raise billing_error(BillingCode.DATE_IN_FUTURE, "issued_on")
    if due_on is not None and due_on < issued_on:
        raise billing_error(BillingCode.DUE_BEFORE_ISSUE, "due_on")
    organisation = actor.organisation
    if organisation is None or organisation.pk != patient.organisation_id:
        # Acting for a clinic community: the patient's organisation is the seller.
        organisation = Organisation.objects.get(pk=patient.organisation_id)
    return _Issue(
        organisation=organisation,
        series=series_for(patient.organisation_id),
        unit=unit,
        patient=patient,
        lines=checked,
        sums=sums,
        issued_on=issued_on,
        supplied_on=supplied_on,
        due_on=due_on,
        source_kind=source_kind,
        source_id=source_id,
        source_label=source_label,
        note=note,
    )


def _invoice_build(actor: Actor, issue: _Issue) -> tuple[Invoice, list[InvoiceLine]]:
    """The invoice and its lines as they will be written, all but the number."""
    organisation, series = issue.organisation, issue.series
    invoice = Invoice(
        organisation=organisation,
        unit=issue.unit,
        patient=issue.patient,
        kind=InvoiceKind.INVOICE,
        issued_on=issue.issued_on,
        supplied_on=issue.supplied_on or issue.issued_on,
        due_on=issue.due_on or issue.issued_on + timedelta(days=series.payment_days),
        source_kind=issue.source_kind,
        source_id=issue.source_id,
        source_label=issue.source_label,
        buyer_name=issue.patient.name,
        buyer_address=_address(issue.patient),
        seller=seller_particulars(organisation, series),
        subtotal=issue.sums.subtotal,
        vat=issue.sums.vat,
        total=issue.sums.total,
        note=issue.note,
        created_by=actor.user,
    )
    lines = [
        InvoiceLine(
            organisation=organisation,
            position=position,
            text=line.text,
            quantity=line.quantity,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            amount=line.amount,
            price_item=line.price_item,
        )
        for position, line in enumerate(issue.lines, start=1)
    ]
    return invoice, lines


def _invoice_write(
    actor: Actor, invoice: Invoice, lines: list[InvoiceLine], channel: Channel
) -> None:
    """Write a built invoice, inside the caller's transaction: its number is taken last
    (billing.numbering), then only the access-log entry remains before the commit."""
    invoice_write_numbered(invoice, lines, field="issued_on")
    if invoice.source_id is not None:
        # Under the series' lock, which every issue in the organisation takes: an invoice for
        # the same source committed before is seen here (and this one by any later).
        earlier = _source_invoiced(invoice)
        if earlier is not None:
            raise billing_error(BillingCode.ALREADY_INVOICED, "source", number=earlier.number)
    _log(actor, invoice, Action.CREATE, channel)


def invoice_create(
    *,
    actor: Actor,
    patient: Patient,
    lines: Sequence[LineInput],
    unit: Unit | None = None,
    issued_on: date | None = None,
    supplied_on: date | None = None,
    due_on: date | None = None,
    source_kind: str = InvoiceSourceKind.MANUAL,
    source_id: uuid.UUID | None = None,
    source_label: str = "",
    note: str = "",
    channel: Channel = Channel.UI,
) -> Invoice:
    """Issue an invoice to `patient`: numbered from the organisation's series, its VAT per
    rate, immutable from here on. Field names in refusals: patient, unit, lines,
    lines.N.text, lines.N.quantity, lines.N.unit_price, lines.N.vat_rate, due_on, note,
    source, source_label. A source (an appointment, a certificate) is invoiced once until
    credited in full."""
    issue = _invoice_check(
        actor=actor,
        patient=patient,
        lines=lines,
        unit=unit,
        issued_on=issued_on,
        supplied_on=supplied_on,
        due_on=due_on,
        source_kind=source_kind,
        source_id=source_id,
        source_label=source_label,
        note=note,
    )
    invoice, invoice_lines = _invoice_build(actor, issue)
    with transaction.atomic(durable=True):
        _invoice_write(actor, invoice, invoice_lines, channel)
    return invoice


def invoice_create_within(
    *,
    actor: Actor,
    patient: Patient,
    lines: Sequence[LineInput],
    unit: Unit | None = None,
    supplied_on: date | None = None,
    source_kind: str = InvoiceSourceKind.MANUAL,
    source_label: str = "",
    note: str = "",
) -> Invoice:
    """`invoice_create` inside the caller's transaction (fees approved for a gruppe-2
    patient are invoiced in the approval's transaction): the same checks and numbering."""
    issue = _invoice_check(
        actor=actor,
        patient=patient,
        lines=lines,
        unit=unit,
        issued_on=None,
        supplied_on=supplied_on,
        due_on=None,
        source_kind=source_kind,
        source_id=None,
        source_label=source_label,
        note=note,
    )
    invoice, invoice_lines = _invoice_build(actor, issue)
    _invoice_write(actor, invoice, invoice_lines, Channel.UI)
    return invoice


def _address(patient: Patient) -> str:
    town = " ".join(part for part in (patient.postal_code, patient.city) if part)
    return ", ".join(part for part in (patient.address_line, town) if part)


def invoice_from_appointment(
    *, actor: Actor, appointment: Appointment, channel: Channel = Channel.UI
) -> Invoice:
    """The appointment's treatment at the price list's price for its type; a no-show is
    billed the price list's no-show fee instead. Refused when the type has no price."""
    require(actor, Perm.INVOICE_WRITE)
    if appointment.organisation_id not in actor.organisation_ids:
        raise billing_error(BillingCode.PATIENT_NOT_YOURS, "appointment")
    day = timezone.localtime(appointment.start).date()
    prices = PriceItem.objects.filter(organisation_id=appointment.organisation_id, is_active=True)
    if appointment.status == AppointmentStatus.NO_SHOW:
        price = prices.filter(is_no_show_fee=True).order_by("name").first()
        kind = InvoiceSourceKind.NO_SHOW
    else:
        price = prices.filter(appointment_type_id=appointment.appointment_type_id).first()
        kind = InvoiceSourceKind.APPOINTMENT
    if price is None:
        raise billing_error(BillingCode.NO_PRICE, "appointment")
    line = LineInput(
        text=f"{price.name} {day:%d.%m.%Y}",
        quantity=Decimal(1),
        unit_price=price.unit_price,
        vat_rate=price.vat_rate,
        price_item=price,
    )
    return invoice_create(
        actor=actor,
        patient=appointment.patient,
        lines=[line],
        unit=appointment.unit,
        supplied_on=day,
        source_kind=kind,
        source_id=appointment.public_id,
        channel=channel,
    )


def invoice_locked(pk: int) -> Invoice:
    """The invoice, its row locked until the caller's transaction ends: payments and credit
    notes of one invoice queue on it (a credit note's number is taken from the series, last)."""
    return Invoice.objects.select_for_update().get(pk=pk)


def open_amount(invoice: Invoice) -> Decimal:
    """What the patient still owes: the total and its reminder fees, less its credit notes and
    payments (negative: money to pay back after a credit)."""
    credited: Decimal = invoice.credit_notes.aggregate(s=Sum("total"))["s"] or ZERO
    paid: Decimal = invoice.payments.aggregate(s=Sum("amount"))["s"] or ZERO
    fees: Decimal = invoice.reminders.aggregate(s=Sum("fee"))["s"] or ZERO
    return Decimal(invoice.total) + credited + fees - paid


def payment_register(
    *,
    actor: Actor,
    invoice: Invoice,
    amount: object,
    method: str,
    paid_on: date | None = None,
    channel: Channel = Channel.UI,
) -> Payment:
    """Money received against the invoice: a part payment or the rest. More than the open
    amount is refused (no overpayments kept as credit: docs/adr/0021). Field names in
    refusals: amount, method, date."""
    require(actor, Perm.INVOICE_WRITE)
    if invoice.organisation_id not in actor.organisation_ids:
        raise billing_error(BillingCode.PATIENT_NOT_YOURS, "invoice")
    if invoice.is_credit_note:
        raise billing_error(BillingCode.PAYMENT_ON_CREDIT, "invoice")
    value = amount_check(amount, "amount")
    if method not in PaymentMethod.values:
        raise billing_error(BillingCode.BAD_VALUE, "method", value=method)
    today = timezone.localdate()
    paid_on = paid_on or today
    if paid_on > today:
        raise billing_error(BillingCode.DATE_IN_FUTURE, "date")
    if paid_on < invoice.issued_on:
        raise billing_error(BillingCode.DATE_BEFORE_INVOICE, "date")
    with transaction.atomic(durable=True):
        # The invoice's row is the lock two payments at once queue on (not the series:
        # payments need no number).
        locked = invoice_locked(invoice.pk)
        still_open = open_amount(locked)
        if still_open <= 0:
            raise billing_error(BillingCode.NOTHING_OPEN, "amount")
        if value > still_open:
            raise billing_error(BillingCode.OVERPAYMENT, "amount", open=_kroner(still_open))
        payment = Payment.objects.create(
            organisation_id=invoice.organisation_id,
            invoice=locked,
            amount=value,
            method=method,
            paid_on=paid_on,
            created_by=actor.user,
        )
        _log(actor, invoice, Action.UPDATE, channel)
    return payment


def _kroner(value: Decimal) -> str:
    """450.5 -> "450,50" (the Danish way, in messages)."""
    return f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def price_item_create(
    *,
    actor: Actor,
    name: str,
    unit_price: object,
    vat_rate: object,
    appointment_type_id: int | None = None,
    is_no_show_fee: bool = False,
) -> PriceItem:
    """A line of the organisation's price list. A new price for an appointment type retires
    the old one (its invoices keep theirs)."""
    require(actor, Perm.INVOICE_WRITE)
    organisation = actor.organisation
    if organisation is None:
        raise billing_error(BillingCode.UNIT_NOT_YOURS, "name")
    name = " ".join(name.split())
    if not name:
        raise billing_error(BillingCode.REQUIRED, "name")
    if len(name) > TEXT_MAX:
        raise billing_error(BillingCode.TOO_LONG, "name", max=TEXT_MAX)
    price = amount_check(unit_price, "unit_price", allow_zero=True)
    rate = vat_rate_check(vat_rate, "vat_rate")
    if (
        appointment_type_id is not None
        and not AppointmentType.objects.filter(
            pk=appointment_type_id, organisation_id=organisation.pk
        ).exists()
    ):
        raise billing_error(BillingCode.BAD_VALUE, "appointment_type", value="")
    with transaction.atomic(durable=True):
        if appointment_type_id is not None:
            PriceItem.objects.filter(
                organisation_id=organisation.pk,
                appointment_type_id=appointment_type_id,
                is_active=True,
            ).update(is_active=False)
        return PriceItem.objects.create(
            organisation_id=organisation.pk,
            name=name,
            unit_price=price,
            vat_rate=rate,
            appointment_type_id=appointment_type_id,
            is_no_show_fee=is_no_show_fee,
        )
