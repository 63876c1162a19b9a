"""The economy report of a year: revenue per month (invoices less credit notes, excluding
VAT), VAT and payments per month, fees per month and per code, revenue per unit; as a page
with bars and as an Excel workbook. Reads only; no patient rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from openpyxl import Workbook

from klinik.billing.choices import FeeStatus, InvoiceKind
from klinik.billing.models import Fee, Invoice, Payment
from klinik.billing.selectors import with_open_amount
from klinik.core.policy import Actor, Perm, require
from klinik.scheduling.models import Appointment

ZERO = Decimal("0.00")
MONTHS = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


@dataclass(frozen=True)
class MonthRow:
    month: int
    label: str
    revenue: Decimal
    vat: Decimal
    paid: Decimal
    fees: Decimal
    share: int  # revenue + fees as a percentage of the year's largest month (the bar)


@dataclass(frozen=True)
class RevenueReport:
    year: int
    months: list[MonthRow]
    fee_codes: list[tuple[str, str, int, Decimal]]  # code, title, count, amount
    units: list[tuple[str, Decimal]]
    total_revenue: Decimal
    total_fees: Decimal
    practitioners: list[Bar]  # fees and invoiced (appointments) per practitioner
    open_items: list[Bar]  # open amounts today by how long overdue
    open_total: Decimal
    code_bars: list[Bar]


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, its number (written beside the bar, so the chart reads
    without colour) and its length as a percentage of the largest."""

    label: str
    amount: Decimal
    share: int
    count: int = 0


def bars(rows: Iterable[tuple[str, Decimal, int]]) -> list[Bar]:
    items = list(rows)
    largest = max([abs(amount) for _label, amount, _n in items] + [Decimal(1)])
    return [
        Bar(label=label, amount=amount, share=int(abs(amount) * 100 / largest), count=n)
        for label, amount, n in items
    ]


NOT_LINKED = "Ikke knyttet til en behandler"


def _practitioners(orgs: frozenset[int], fees: Any, invoices: Any) -> list[Bar]:
    """Fees by the practitioner of their appointment (or the contact's responsible), invoices
    from appointments by the appointment's practitioner; the rest as not linked."""
    sums: dict[str, Decimal] = {}
    counts: dict[str, int] = {}

    def add(name: str, amount: Decimal, n: int) -> None:
        sums[name] = sums.get(name, ZERO) + amount
        counts[name] = counts.get(name, 0) + n

    booked = fees.filter(
        appointment__isnull=False, appointment__resource_holds__resource__kind="practitioner"
    )
    for row in booked.values("appointment__resource_holds__resource__name").annotate(
        s=Sum("amount"), n=Count("id")
    ):
        add(row["appointment__resource_holds__resource__name"], row["s"] or ZERO, row["n"])
    by_contact = fees.filter(appointment__isnull=True, contact__responsible__isnull=False)
    for row in by_contact.values(
        "contact__responsible__first_name", "contact__responsible__last_name"
    ).annotate(s=Sum("amount"), n=Count("id")):
        name = f"{row['contact__responsible__first_name']} {row['contact__responsible__last_name']}"
        add(name.strip() or NOT_LINKED, row["s"] or ZERO, row["n"])
    rest = (
        fees.exclude(id__in=booked.values("id"))
        .exclude(id__in=by_contact.values("id"))
        .aggregate(s=Sum("amount"), n=Count("id"))
    )
    if rest["n"]:
        add(NOT_LINKED, rest["s"] or ZERO, rest["n"])
    per_source = {
        r["source_id"]: (r["s"] or ZERO, r["n"])
        for r in invoices.filter(source_kind__in=("appointment", "no_show"))
        .values("source_id")
        .annotate(s=Sum("subtotal"), n=Count("id"))
    }
    names = dict(
        Appointment.objects.filter(
            organisation_id__in=orgs,
            public_id__in=list(per_source),
            resource_holds__resource__kind="practitioner",
        ).values_list("public_id", "resource_holds__resource__name")
    )
    for source_id, (amount, n) in per_source.items():
        add(names.get(source_id, NOT_LINKED), amount, n)
    other = invoices.exclude(source_kind__in=("appointment", "no_show")).aggregate(
        s=Sum("subtotal"), n=Count("id")
    )
    if other["n"]:
        add(NOT_LINKED, other["s"] or ZERO, other["n"])
    ordered = sorted(sums.items(), key=lambda item: (item[0] == NOT_LINKED, -item[1], item[0]))
    return bars((name, amount, counts[name]) for name, amount in ordered)


AGE_LABELS = {
    "not_due": "Ikke forfalden",
    "1_30": "1-30 dage over forfald",
    "31_60": "31-60 dage",
    "61_90": "61-90 dage",
    "over_90": "Over 90 dage",
}


def _open_items(orgs: frozenset[int], today: date) -> tuple[list[Bar], Decimal]:
    """Open amounts today by how long overdue (amounts only, no patients)."""
    rows = (
        with_open_amount(Invoice.objects.filter(organisation_id__in=orgs))
        .filter(kind=InvoiceKind.INVOICE, open_amount__gt=0)
        .values_list("due_on", "open_amount")
    )
    sums = dict.fromkeys(AGE_LABELS, ZERO)
    counts = dict.fromkeys(AGE_LABELS, 0)
    for due_on, amount in rows:
        overdue = (today - due_on).days
        key = (
            "not_due"
            if overdue <= 0
            else "1_30"
            if overdue <= 30
            else "31_60"
            if overdue <= 60
            else "61_90"
            if overdue <= 90
            else "over_90"
        )
        sums[key] += amount
        counts[key] += 1
    return bars((AGE_LABELS[k], sums[k], counts[k]) for k in AGE_LABELS), sum(sums.values(), ZERO)


def _by_month(rows: Iterable[Mapping[str, Any]], key: str) -> dict[int, Decimal]:
    return {int(str(r["m"])): Decimal(str(r[key] or 0)) for r in rows}


def revenue_report(*, actor: Actor, year: int, today: date | None = None) -> RevenueReport:
    require(actor, Perm.INVOICE_VIEW)
    orgs = actor.organisation_ids
    start, end = date(year, 1, 1), date(year, 12, 31)
    invoices = Invoice.objects.filter(organisation_id__in=orgs, issued_on__range=(start, end))
    revenue = _by_month(
        list(
            invoices.annotate(m=ExtractMonth("issued_on"))
            .values("m")
            .annotate(s=Sum("subtotal"), v=Sum("vat"))
            .order_by()
        ),
        "s",
    )
    vat = _by_month(
        list(
            invoices.annotate(m=ExtractMonth("issued_on"))
            .values("m")
            .annotate(v=Sum("vat"))
            .order_by()
        ),
        "v",
    )
    paid = _by_month(
        list(
            Payment.objects.filter(organisation_id__in=orgs, paid_on__range=(start, end))
            .annotate(m=ExtractMonth("paid_on"))
            .values("m")
            .annotate(s=Sum("amount"))
            .order_by()
        ),
        "s",
    )
    fees_done = Fee.objects.filter(
        organisation_id__in=orgs,
        performed_on__range=(start, end),
        status__in=(FeeStatus.APPROVED, FeeStatus.SETTLED),
    )
    fees = _by_month(
        list(
            fees_done.annotate(m=ExtractMonth("performed_on"))
            .values("m")
            .annotate(s=Sum("amount"))
            .order_by()
        ),
        "s",
    )
    largest = max([revenue.get(m, ZERO) + fees.get(m, ZERO) for m in range(1, 13)] + [Decimal(1)])
    months = [
        MonthRow(
            month=m,
            label=MONTHS[m - 1],
            revenue=revenue.get(m, ZERO),
            vat=vat.get(m, ZERO),
            paid=paid.get(m, ZERO),
            fees=fees.get(m, ZERO),
            share=int((revenue.get(m, ZERO) + fees.get(m, ZERO)) * 100 / largest),
        )
        for m in range(1, 13)
    ]
    fee_codes = [
        (r["code"], r["title"], r["n"], r["s"] or ZERO)
        for r in fees_done.values("code", "title")
        .annotate(n=Count("id"), s=Sum("amount"))
        .order_by("code")
    ]
    units = [
        (r["unit__name"], r["s"] or ZERO)
        for r in invoices.values("unit__name").annotate(s=Sum("subtotal")).order_by("unit__name")
    ]
    open_items, open_total = _open_items(orgs, today or timezone.localdate())
    return RevenueReport(
        year=year,
        months=months,
        fee_codes=fee_codes,
        units=units,
        total_revenue=sum((m.revenue for m in months), ZERO),
        total_fees=sum((m.fees for m in months), ZERO),
        practitioners=_practitioners(orgs, fees_done, invoices),
        open_items=open_items,
        open_total=open_total,
        code_bars=bars((f"{code} {title}", amount, n) for code, title, n, amount in fee_codes),
    )


def revenue_workbook(report: RevenueReport) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Pr. måned"
    sheet.append(["Måned", "Omsætning ekskl. moms", "Moms", "Indbetalt", "Ydelser (region)"])
    for m in report.months:
        sheet.append([f"{m.label} {report.year}", m.revenue, m.vat, m.paid, m.fees])
    codes = book.create_sheet("Pr. ydelseskode")
    codes.append(["Kode", "Ydelse", "Antal", "Beløb"])
    for code, title, count, amount in report.fee_codes:
        codes.append([code, title, count, amount])
    units = book.create_sheet("Pr. enhed")
    units.append(["Enhed", "Omsætning ekskl. moms"])
    for name, amount in report.units:
        units.append([name, amount])
    people = book.create_sheet("Pr. behandler")
    people.append(["Behandler", "Antal (ydelser og fakturaer)", "Beløb ekskl. moms"])
    for bar in report.practitioners:
        people.append([bar.label, bar.count, bar.amount])
    open_sheet = book.create_sheet("Åbne poster")
    open_sheet.append(["Alder", "Antal fakturaer", "Åbent beløb"])
    for bar in report.open_items:
        open_sheet.append([bar.label, bar.count, bar.amount])
    open_sheet.append(["I alt", None, report.open_total])
    for ws in (sheet, codes, units, people, open_sheet):
        for column in ws.iter_cols(min_row=2, max_row=ws.max_row):
            for cell in column:
                if isinstance(cell.value, Decimal):
                    cell.number_format = "#,##0.00"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
