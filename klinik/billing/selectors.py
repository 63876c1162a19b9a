"""Reads of private invoicing: one invoice's page, the list of invoices and the open items
(both patient lists: one access-log entry each, ADR 0015), the price list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.billing.choices import InvoiceKind, PaymentMethod
from klinik.billing.models import (
    DanmarkClaim,
    Invoice,
    InvoiceLine,
    Payment,
    PriceItem,
    Reminder,
)
from klinik.billing.money import ZERO, VatRow, totals
from klinik.core.policy import Actor, Perm, require
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.models import Appointment, AppointmentType

LIST_LIMIT = 200
_MONEY = DecimalField(max_digits=12, decimal_places=2)


def with_open_amount(queryset: QuerySet[Invoice]) -> QuerySet[Any]:
    """Each invoice with `paid`, `credited` and `open_amount` (credit notes: open is 0)."""
    paid = (
        Payment.objects.filter(invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    credited = (
        Invoice.objects.filter(credits=OuterRef("pk"))
        .order_by()
        .values("credits")
        .annotate(s=Sum("total"))
        .values("s")
    )
    fees = (
        Reminder.objects.filter(invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(s=Sum("fee"))
        .values("s")
    )
    return queryset.annotate(
        paid=Coalesce(Subquery(paid, output_field=_MONEY), Value(ZERO), output_field=_MONEY),
        fees=Coalesce(Subquery(fees, output_field=_MONEY), Value(ZERO), output_field=_MONEY),
        credited=Coalesce(
            Subquery(credited, output_field=_MONEY), Value(ZERO), output_field=_MONEY
        ),
    ).annotate(
        open_amount=Case(
            When(kind=InvoiceKind.CREDIT_NOTE, then=Value(ZERO)),
            default=F("total") + F("credited") + F("fees") - F("paid"),
            output_field=_MONEY,
        )
    )


@dataclass(frozen=True)
class InvoiceRow:
    public_id: str
    number: int
    kind: str
    kind_label: str
    issued_on: date
    due_on: date
    buyer_name: str
    total: Decimal
    paid: Decimal
    open_amount: Decimal
    is_overdue: bool
    credited_by: int | None


def invoices_list(
    *,
    actor: Actor,
    today: date,
    is_open_only: bool = False,
    query: str = "",
    channel: Channel = Channel.UI,
) -> list[InvoiceRow]:
    """The organisation's invoices and credit notes, newest first (at most LIST_LIMIT);
    `is_open_only`: the open items, oldest due first. One access-log entry for the list."""
    require(actor, Perm.INVOICE_VIEW)
    queryset = with_open_amount(
        Invoice.objects.filter(organisation_id__in=actor.organisation_ids)
    ).annotate(
        credited_by=Subquery(Invoice.objects.filter(credits=OuterRef("pk")).values("number")[:1])
    )
    if query.strip():
        text = query.strip()
        queryset = (
            queryset.filter(number=int(text))
            if text.isdigit()
            else queryset.filter(buyer_name__icontains=text)
        )
    if is_open_only:
        queryset = queryset.filter(kind=InvoiceKind.INVOICE, open_amount__gt=0).order_by(
            "due_on", "number"
        )
    else:
        queryset = queryset.order_by("-number")
    rows = [
        InvoiceRow(
            public_id=str(i.public_id),
            number=i.number,
            kind=i.kind,
            kind_label=i.get_kind_display(),
            issued_on=i.issued_on,
            due_on=i.due_on,
            buyer_name=i.buyer_name,
            total=i.total,
            paid=i.paid,
            open_amount=i.open_amount,
            is_overdue=i.open_amount > 0 and i.due_on < today,
            credited_by=i.credited_by,
        )
        for i in queryset[:LIST_LIMIT]
    ]
    patient_list_log(actor, "invoice_list", len(rows), channel)
    return rows


@dataclass(frozen=True)
class InvoicePage:
    invoice: Invoice
    lines: list[InvoiceLine]
    vat_rows: list[VatRow]
    payments: list[Payment]
    credit_notes: list[Invoice]
    reminders: list[Reminder]
    danmark: DanmarkClaim | None
    paid: Decimal
    fees: Decimal
    open_amount: Decimal

    @property
    def after_subsidy(self) -> Decimal | None:
        """What the patient pays after the "danmark" subsidy (paid to the member)."""
        return self.invoice.total - self.danmark.subsidy if self.danmark else None


def invoice_page(invoice: Invoice) -> InvoicePage:
    """One invoice with its lines, VAT per rate, payments, credit notes, reminders and its
    "danmark" report (the caller got it through access_invoice, which logged the read)."""
    lines = list(invoice.lines.all())
    payments = list(invoice.payments.order_by("paid_on", "id"))
    credit_notes = list(invoice.credit_notes.order_by("number"))
    reminders = list(invoice.reminders.order_by("sequence"))
    danmark = DanmarkClaim.objects.filter(invoice=invoice).first()
    paid = sum((p.amount for p in payments), ZERO)
    credited = sum((c.total for c in credit_notes), ZERO)
    fees = sum((r.fee for r in reminders), ZERO)
    sums = totals((line.amount, line.vat_rate) for line in lines)
    return InvoicePage(
        invoice=invoice,
        lines=lines,
        vat_rows=list(sums.by_rate),
        payments=payments,
        credit_notes=credit_notes,
        reminders=reminders,
        danmark=danmark,
        paid=paid,
        fees=fees,
        open_amount=ZERO if invoice.is_credit_note else invoice.total + credited + fees - paid,
    )


def price_list(*, actor: Actor) -> list[PriceItem]:
    require(actor, Perm.INVOICE_VIEW)
    return list(
        PriceItem.objects.filter(organisation_id__in=actor.organisation_ids, is_active=True)
        .select_related("appointment_type")
        .order_by("name")
    )


@dataclass(frozen=True)
class AppointmentToInvoice:
    public_id: str
    start: datetime
    patient_name: str
    type_name: str
    status_label: str
    is_no_show: bool
    price: Decimal | None


INVOICEABLE = (
    AppointmentStatus.ARRIVED,
    AppointmentStatus.IN_PROGRESS,
    AppointmentStatus.FINISHED,
    AppointmentStatus.NO_SHOW,
)


def appointments_to_invoice(
    *, actor: Actor, today: date, days: int = 14, channel: Channel = Channel.UI
) -> list[AppointmentToInvoice]:
    """The organisation's attended (and missed) appointments of the last `days` days that no
    invoice bills yet (a credited one bills nothing), with the price list's price. One
    access-log entry for the list."""
    require(actor, Perm.INVOICE_VIEW)
    start = datetime.combine(today - timedelta(days=days), time(0), tzinfo=LOCAL)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=LOCAL)
    billed = (
        Invoice.objects.filter(
            organisation_id=OuterRef("organisation_id"),
            kind=InvoiceKind.INVOICE,
            source_id=OuterRef("public_id"),
        )
        .annotate(credited=Coalesce(Sum("credit_notes__total"), Value(Decimal("0.00"))))
        .filter(total__gt=-F("credited"))  # not credited in full (partial credits bill on)
    )
    rows = (
        Appointment.objects.filter(
            organisation_id__in=actor.organisation_ids,
            status__in=INVOICEABLE,
            start__gte=start,
            start__lt=end,
        )
        .exclude(Exists(billed))
        .select_related("patient", "appointment_type")
        .order_by("-start")[:LIST_LIMIT]
    )
    prices: dict[int | None, Decimal] = {}
    no_show_fee: Decimal | None = None
    for item in PriceItem.objects.filter(
        organisation_id__in=actor.organisation_ids, is_active=True
    ).order_by("name"):
        if item.appointment_type_id is not None:
            prices[item.appointment_type_id] = item.unit_price
        if item.is_no_show_fee and no_show_fee is None:
            no_show_fee = item.unit_price
    result = [
        AppointmentToInvoice(
            public_id=str(a.public_id),
            start=a.start,
            patient_name=a.patient.name,
            type_name=a.appointment_type.name,
            status_label=a.get_status_display(),
            is_no_show=a.status == AppointmentStatus.NO_SHOW,
            price=no_show_fee
            if a.status == AppointmentStatus.NO_SHOW
            else prices.get(a.appointment_type_id),
        )
        for a in rows
    ]
    patient_list_log(actor, "appointments_to_invoice", len(result), channel)
    return result


def appointment_for_invoice(*, actor: Actor, public_id: object) -> Appointment:
    """The appointment to invoice, when it is the actor's organisation's; 404 otherwise (the
    invoice's issue logs the patient)."""
    require(actor, Perm.INVOICE_WRITE)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    found = (
        Appointment.objects.select_related("patient", "unit")
        .filter(organisation_id__in=actor.organisation_ids, public_id=key)
        .first()
    )
    if found is None:
        raise Http404
    return found


def appointment_types(*, actor: Actor) -> list[tuple[int, str]]:
    return list(
        AppointmentType.objects.filter(organisation_id__in=actor.organisation_ids, is_active=True)
        .order_by("name")
        .values_list("pk", "name")
    )


AGE_BUCKETS = ((0, "not_due"), (30, "1_30"), (60, "31_60"), (90, "61_90"), (None, "over_90"))


@dataclass
class DebtorRow:
    patient_public_id: str
    name: str
    invoices: int
    oldest_due: date
    buckets: dict[str, Decimal]
    total: Decimal


def _bucket(days_overdue: int) -> str:
    if days_overdue <= 0:
        return "not_due"
    for limit, key in AGE_BUCKETS[1:]:
        if limit is None or days_overdue <= limit:
            return key
    return "over_90"


def debtors_ageing(
    *, actor: Actor, today: date, channel: Channel = Channel.UI
) -> tuple[list[DebtorRow], dict[str, Decimal]]:
    """Who owes what, by how long it is overdue (not due yet, 1-30, 31-60, 61-90, over 90
    days), the largest debt first; with the totals per bucket. One access-log entry."""
    require(actor, Perm.INVOICE_VIEW)
    invoices = (
        with_open_amount(Invoice.objects.filter(organisation_id__in=actor.organisation_ids))
        .filter(kind=InvoiceKind.INVOICE, open_amount__gt=0)
        .select_related("patient")
        .order_by("due_on")
    )
    rows: dict[int, DebtorRow] = {}
    sums = {key: ZERO for _limit, key in AGE_BUCKETS}
    for invoice in invoices:
        row = rows.get(invoice.patient_id)
        if row is None:
            row = rows[invoice.patient_id] = DebtorRow(
                patient_public_id=str(invoice.patient.public_id),
                name=invoice.patient.name,
                invoices=0,
                oldest_due=invoice.due_on,
                buckets={key: ZERO for _limit, key in AGE_BUCKETS},
                total=ZERO,
            )
        key = _bucket((today - invoice.due_on).days)
        row.invoices += 1
        row.buckets[key] += invoice.open_amount
        row.total += invoice.open_amount
        sums[key] += invoice.open_amount
    result = sorted(rows.values(), key=lambda r: (-r.total, r.name))
    patient_list_log(actor, "debtor_list", len(result), channel)
    return result, sums


@dataclass(frozen=True)
class CashUp:
    day: date
    payments: list[Payment]
    by_method: list[tuple[str, str, Decimal, int]]  # method, label, sum, count
    total: Decimal


def cash_up(*, actor: Actor, day: date, channel: Channel = Channel.UI) -> CashUp:
    """The day's payments (kasseafstemning): each with its invoice, and the sums per method
    to hold against the till, the card terminal and MobilePay. One access-log entry."""
    require(actor, Perm.INVOICE_VIEW)
    payments = list(
        Payment.objects.filter(organisation_id__in=actor.organisation_ids, paid_on=day)
        .select_related("invoice", "created_by")
        .order_by("created_at", "id")
    )
    by_method = []
    for value, label in PaymentMethod.choices:
        rows = [p.amount for p in payments if p.method == value]
        by_method.append((value, str(label), sum(rows, ZERO), len(rows)))
    patient_list_log(actor, "cash_up", len(payments), channel)
    return CashUp(
        day=day,
        payments=payments,
        by_method=by_method,
        total=sum((p.amount for p in payments), ZERO),
    )
