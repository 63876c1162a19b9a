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
from openpyxl import Workbook

from klinik.billing.choices import FeeStatus
from klinik.billing.models import Fee, Invoice, Payment
from klinik.core.policy import Actor, Perm, require

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


def _by_month(rows: Iterable[Mapping[str, Any]], key: str) -> dict[int, Decimal]:
    return {int(str(r["m"])): Decimal(str(r[key] or 0)) for r in rows}


def revenue_report(*, actor: Actor, year: int) -> RevenueReport:
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
    return RevenueReport(
        year=year,
        months=months,
        fee_codes=fee_codes,
        units=units,
        total_revenue=sum((m.revenue for m in months), ZERO),
        total_fees=sum((m.fees for m in months), ZERO),
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
    for ws in (sheet, codes, units):
        for column in ws.iter_cols(min_row=2, max_row=ws.max_row):
            for cell in column:
                if isinstance(cell.value, Decimal):
                    cell.number_format = "#,##0.00"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
