"""Receivables: the debtor list with ageing and the open items as CSV, the day's cash-up
(kasseafstemning), and on an invoice its reminders (with their letters) and its report to
"danmark". Thin: parse → service or selector → page."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klinik.audit.choices import Action, Channel
from klinik.billing.access import access_invoice
from klinik.billing.bookkeeping import journal_csv
from klinik.billing.collection import danmark_report, reminder_send
from klinik.billing.errors import BillingError
from klinik.billing.pdf import invoice_pdf, kroner
from klinik.billing.receivables.forms import CashUpForm, ReminderForm
from klinik.billing.reports import revenue_report, revenue_workbook
from klinik.billing.saft import saft_financial
from klinik.billing.selectors import cash_up, debtors_ageing, invoice_page, invoices_list
from klinik.core.datefields import parse_danish_date
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires


@requires(Perm.INVOICE_VIEW)
def debtor_list_view(request: ActorRequest) -> HttpResponse:
    rows, sums = debtors_ageing(actor=request.actor, today=timezone.localdate())
    return render(request, "billing/debtor_list.html", {"rows": rows, "sums": sums})


@requires(Perm.INVOICE_VIEW)
def open_items_csv_view(request: ActorRequest) -> HttpResponse:
    """The open items as CSV (semicolons and decimal commas, as Danish spreadsheets read it)."""
    today = timezone.localdate()
    rows = invoices_list(actor=request.actor, today=today, is_open_only=True)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="aabne-poster-{today:%Y-%m-%d}.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 with the mark
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            "Fakturanr.",
            "Patient",
            "Fakturadato",
            "Forfald",
            "Beløb",
            "Betalt",
            "Rest",
            "Dage over forfald",
        ]
    )
    for r in rows:
        writer.writerow(
            [
                r.number,
                r.buyer_name,
                f"{r.issued_on:%d.%m.%Y}",
                f"{r.due_on:%d.%m.%Y}",
                kroner(r.total),
                kroner(r.paid),
                kroner(r.open_amount),
                max(0, (today - r.due_on).days),
            ]
        )
    return response


@requires(Perm.INVOICE_VIEW)
def journal_csv_view(request: ActorRequest) -> HttpResponse:
    """The bookkeeping journal of a period (`?from=dd.mm.yyyy&to=dd.mm.yyyy`; default this
    month) as CSV."""
    today = timezone.localdate()
    start = parse_danish_date(request.GET.get("from", "")) or today.replace(day=1)
    end = parse_danish_date(request.GET.get("to", "")) or today
    content = journal_csv(actor=request.actor, start=start, end=end)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="bogfoering-{start:%Y-%m-%d}-{end:%Y-%m-%d}.csv"'
    )
    return response


@requires(Perm.INVOICE_VIEW)
def saft_view(request: ActorRequest) -> HttpResponse:
    """SAF-T Financial (Danish 1.0) of a period (`?from=dd.mm.yyyy&to=dd.mm.yyyy`; default
    this month) as XML."""
    today = timezone.localdate()
    start = parse_danish_date(request.GET.get("from", "")) or today.replace(day=1)
    end = parse_danish_date(request.GET.get("to", "")) or today
    if end < start:
        return HttpResponse(_("The period ends before it starts."), status=422)
    content = saft_financial(actor=request.actor, start=start, end=end)
    response = HttpResponse(content, content_type="application/xml; charset=utf-8")
    cvr = request.actor.organisation.cvr if request.actor.organisation else ""
    response["Content-Disposition"] = (
        f'attachment; filename="SAF-T_Financial_{cvr}_{start:%Y%m%d}-{end:%Y%m%d}.xml"'
    )
    return response


@requires(Perm.INVOICE_VIEW)
def cash_up_view(request: ActorRequest) -> HttpResponse:
    form = CashUpForm(request.GET or {"day": timezone.localdate().strftime("%d.%m.%Y")})
    day = form.cleaned_data["day"] if form.is_valid() else timezone.localdate()
    result = cash_up(actor=request.actor, day=day)
    return render(request, "billing/cash_up.html", {"form": form, "result": result})


@require_POST
@requires(Perm.INVOICE_WRITE)
def reminder_send_view(request: ActorRequest, invoice_id: str) -> HttpResponse:
    actor = request.actor
    invoice = access_invoice(
        actor=actor,
        public_id=invoice_id,
        channel=Channel.UI,
        perm=Perm.INVOICE_WRITE,
        is_logged=False,
    )
    form = ReminderForm(request.POST)
    try:
        if not form.is_valid():
            raise Http404
        reminder = reminder_send(actor=actor, invoice=invoice, fee=form.cleaned_data["fee"])
    except BillingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Reminder %(n)d is registered. Print or send its letter.") % {"n": reminder.sequence},
        )
    return redirect("invoice_detail", invoice_id=invoice.public_id)


@requires(Perm.INVOICE_VIEW)
def reminder_pdf_view(request: ActorRequest, invoice_id: str, sequence: int) -> HttpResponse:
    invoice = access_invoice(
        actor=request.actor, public_id=invoice_id, channel=Channel.UI, action=Action.PRINT
    )
    page = invoice_page(invoice)
    reminder = next((r for r in page.reminders if r.sequence == sequence), None)
    if reminder is None:
        raise Http404
    response = HttpResponse(invoice_pdf(page, reminder=reminder), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="rykker-{sequence}-faktura-{invoice.number}.pdf"'
    )
    return response


@require_POST
@requires(Perm.INVOICE_WRITE)
def danmark_report_view(request: ActorRequest, invoice_id: str) -> HttpResponse:
    actor = request.actor
    invoice = access_invoice(
        actor=actor,
        public_id=invoice_id,
        channel=Channel.UI,
        perm=Perm.INVOICE_WRITE,
        is_logged=False,
    )
    try:
        claim = danmark_report(actor=actor, invoice=invoice)
    except BillingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Reported to danmark: a subsidy of %(amount)s kr.")
            % {"amount": kroner(claim.subsidy)},
        )
    return redirect("invoice_detail", invoice_id=invoice.public_id)


def _year(request: ActorRequest) -> int:
    value = request.GET.get("year", "")
    year = int(value) if value.isdigit() else timezone.localdate().year
    return year if 2000 <= year <= 2199 else timezone.localdate().year


@requires(Perm.INVOICE_VIEW)
def report_view(request: ActorRequest) -> HttpResponse:
    """The year's economy: revenue, VAT, payments and fees per month with bars, fees per
    code, revenue per unit; `?format=xlsx` as an Excel workbook."""
    report = revenue_report(actor=request.actor, year=_year(request))
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            revenue_workbook(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="oekonomi-{report.year}.xlsx"'
        return response
    return render(request, "billing/report.html", {"report": report})
