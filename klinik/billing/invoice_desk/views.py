"""The invoice screens ("Fakturaer"): the list and the open items, an invoice by hand, the
appointments waiting for an invoice, one invoice with its payments, credit and PDF, and the
price list. Thin: parse → service or selector → page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klinik.audit.choices import Action, Channel
from klinik.billing.access import access_invoice
from klinik.billing.certificates import certificates_awaiting_invoice, invoice_from_certificate
from klinik.billing.credit import CreditPart, credit_choices, invoice_credit
from klinik.billing.errors import BillingError
from klinik.billing.invoice_desk.forms import (
    LINE_ROWS,
    InvoiceForm,
    PaymentForm,
    PriceForm,
)
from klinik.billing.pdf import invoice_pdf
from klinik.billing.selectors import (
    appointment_for_invoice,
    appointment_types,
    appointments_to_invoice,
    invoice_page,
    invoices_list,
    price_list,
)
from klinik.billing.services import (
    LineInput,
    invoice_create,
    invoice_from_appointment,
    payment_register,
    price_item_create,
)
from klinik.core.errors import form_error_add
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.patients.access import access_patient
from klinik.patients.selectors import PatientHit, patient_search


@requires(Perm.INVOICE_VIEW)
def invoice_list_view(request: ActorRequest) -> HttpResponse:
    """All invoices, newest first, or (`?open=1`) the open items, oldest due first."""
    is_open_only = request.GET.get("open") == "1"
    query = request.GET.get("q", "")[:100]
    today = timezone.localdate()
    rows = invoices_list(actor=request.actor, today=today, is_open_only=is_open_only, query=query)
    return render(
        request,
        "billing/invoice_list.html",
        {"rows": rows, "is_open_only": is_open_only, "query": query, "today": today},
    )


def _new_page(
    request: ActorRequest,
    form: InvoiceForm,
    hits: list[PatientHit] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "billing/invoice_new.html",
        {"form": form, "hits": hits, "line_rows": form.line_rows()},
        status=status,
    )


def _lines(form: InvoiceForm) -> tuple[list[LineInput], list[int]]:
    """The filled rows as lines, and each line's row (a refusal's `lines.N` names a line)."""
    data = form.cleaned_data
    lines, rows = [], []
    for row in range(LINE_ROWS):
        price = form.prices.get(data.get(f"price_{row}") or "")
        text = data.get(f"text_{row}", "").strip()
        unit_price = data.get(f"unit_price_{row}", "").strip()
        if price is None and not text and not unit_price:
            continue
        lines.append(
            LineInput(
                text=text or (price.name if price else ""),
                quantity=data.get(f"quantity_{row}") or "1",
                unit_price=unit_price or (price.unit_price if price else ""),
                vat_rate=str(price.vat_rate)
                if price and not unit_price
                else data[f"vat_rate_{row}"],
                price_item=price,
            )
        )
        rows.append(row)
    return lines, rows


def _field_of(error: BillingError, rows: list[int]) -> dict[str, str]:
    """ "lines.1.unit_price" → the form's "unit_price_3" (the second filled row, row 3)."""
    parts = error.field.split(".")
    if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit() and int(parts[1]) < len(rows):
        return {error.field: f"{parts[2]}_{rows[int(parts[1])]}"}
    return {"patient": "patient_query", "unit": "patient_query", "lines": "text_0"}


@requires(Perm.INVOICE_WRITE, Perm.PATIENT_VIEW)
def invoice_new_view(request: ActorRequest) -> HttpResponse:
    """An invoice by hand: its lines typed or from the price list."""
    actor = request.actor
    prices = price_list(actor=actor)
    if request.method != "POST":
        return _new_page(request, InvoiceForm(prices=prices))
    form = InvoiceForm(request.POST, prices=prices)
    if not form.is_valid():
        return _new_page(request, form, status=422)
    data = form.cleaned_data
    chosen = data["patient"]
    if chosen is None:
        hits = patient_search(actor=actor, query=data["patient_query"], channel=Channel.UI)
        if not hits:
            form.add_error("patient_query", _("No patient found. Check the CPR number or name."))
            return _new_page(request, form, status=422)
        if len(hits) > 1:
            return _new_page(request, form, hits=hits)
        chosen = hits[0].public_id
    patient = access_patient(
        actor=actor, public_id=chosen, channel=Channel.UI, is_logged_by_caller=True
    )
    lines, rows = _lines(form)
    try:
        invoice = invoice_create(
            actor=actor, patient=patient, lines=lines, due_on=data["due_on"], note=data["note"]
        )
    except BillingError as exc:
        form_error_add(form, exc, _field_of(exc, rows))
        return _new_page(request, form, status=422)
    messages.success(request, _("Invoice %(number)d is issued.") % {"number": invoice.number})
    return redirect("invoice_detail", invoice_id=invoice.public_id)


@requires(Perm.INVOICE_VIEW)
def invoice_appointments_view(request: ActorRequest) -> HttpResponse:
    """The last fortnight's attended and missed appointments that no invoice bills yet."""
    rows = appointments_to_invoice(actor=request.actor, today=timezone.localdate())
    return render(request, "billing/invoice_appointments.html", {"rows": rows})


@require_POST
@requires(Perm.INVOICE_WRITE)
def invoice_from_appointment_view(request: ActorRequest, appointment_id: str) -> HttpResponse:
    appointment = appointment_for_invoice(actor=request.actor, public_id=appointment_id)
    try:
        invoice = invoice_from_appointment(actor=request.actor, appointment=appointment)
    except BillingError as exc:
        messages.error(request, exc.message)
        return redirect("invoice_appointments")
    messages.success(request, _("Invoice %(number)d is issued.") % {"number": invoice.number})
    return redirect("invoice_detail", invoice_id=invoice.public_id)


@requires(Perm.INVOICE_VIEW)
def invoice_certificates_view(request: ActorRequest) -> HttpResponse:
    """Sent certificates marked for invoicing that no invoice bills yet (issue 15)."""
    rows = certificates_awaiting_invoice(actor=request.actor)
    return render(request, "billing/invoice_certificates.html", {"rows": rows})


@require_POST
@requires(Perm.INVOICE_WRITE)
def invoice_from_certificate_view(request: ActorRequest, certificate_id: str) -> HttpResponse:
    try:
        invoice = invoice_from_certificate(actor=request.actor, public_id=certificate_id)
    except BillingError as exc:
        messages.error(request, exc.message)
        return redirect("invoice_certificates")
    messages.success(request, _("Invoice %(number)d is issued.") % {"number": invoice.number})
    return redirect("invoice_detail", invoice_id=invoice.public_id)


def _detail_page(
    request: ActorRequest,
    invoice_id: str,
    payment_form: PaymentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    invoice = access_invoice(actor=request.actor, public_id=invoice_id, channel=Channel.UI)
    page = invoice_page(invoice)
    context: dict[str, Any] = {
        "page": page,
        "invoice": invoice,
        "payment_form": payment_form
        or PaymentForm(initial={"amount": page.open_amount, "paid_on": timezone.localdate()}),
        "can_write": request.actor.can(Perm.INVOICE_WRITE),
        "credit_lines": [],
    }
    if not invoice.is_credit_note and context["can_write"]:
        choices = credit_choices(invoice)
        if any(left > 0 for _line, left in choices):
            context["credit_lines"] = choices
    return render(request, "billing/invoice_detail.html", context, status=status)


@requires(Perm.INVOICE_VIEW)
def invoice_detail_view(request: ActorRequest, invoice_id: str) -> HttpResponse:
    return _detail_page(request, invoice_id)


@require_POST
@requires(Perm.INVOICE_WRITE)
def invoice_payment_view(request: ActorRequest, invoice_id: str) -> HttpResponse:
    actor = request.actor
    form = PaymentForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, invoice_id, form, status=422)
    invoice = access_invoice(
        actor=actor,
        public_id=invoice_id,
        channel=Channel.UI,
        perm=Perm.INVOICE_WRITE,
        is_logged=False,
    )
    data = form.cleaned_data
    try:
        payment_register(
            actor=actor,
            invoice=invoice,
            amount=data["amount"],
            method=data["method"],
            paid_on=data["paid_on"],
        )
    except BillingError as exc:
        form_error_add(form, exc, {"date": "paid_on", "invoice": "amount"})
        return _detail_page(request, invoice_id, form, status=422)
    messages.success(request, _("The payment is registered."))
    return redirect("invoice_detail", invoice_id=invoice.public_id)


@require_POST
@requires(Perm.INVOICE_WRITE)
def invoice_credit_view(request: ActorRequest, invoice_id: str) -> HttpResponse:
    actor = request.actor
    invoice = access_invoice(
        actor=actor,
        public_id=invoice_id,
        channel=Channel.UI,
        perm=Perm.INVOICE_WRITE,
        is_logged=False,
    )
    parts = None
    if not request.POST.get("whole"):
        positions = [p for p in request.POST.getlist("line") if p.isdigit()]
        if not positions:
            messages.error(request, _("Choose the lines to credit."))
            return redirect("invoice_detail", invoice_id=invoice.public_id)
        parts = [
            CreditPart(position=int(p), amount=request.POST.get(f"amount-{p}") or None)
            for p in positions
        ]
    try:
        credit = invoice_credit(actor=actor, invoice=invoice, parts=parts)
    except BillingError as exc:
        messages.error(request, exc.message)
        return redirect("invoice_detail", invoice_id=invoice.public_id)
    messages.success(request, _("Credit note %(number)d is issued.") % {"number": credit.number})
    return redirect("invoice_detail", invoice_id=credit.public_id)


@requires(Perm.INVOICE_VIEW)
def invoice_pdf_view(request: ActorRequest, invoice_id: str) -> HttpResponse:
    invoice = access_invoice(
        actor=request.actor, public_id=invoice_id, channel=Channel.UI, action=Action.PRINT
    )
    response = HttpResponse(invoice_pdf(invoice_page(invoice)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="faktura-{invoice.number}.pdf"'
    return response


@requires(Perm.INVOICE_VIEW)
def price_list_view(request: ActorRequest) -> HttpResponse:
    """The price list; a new price for a type replaces the old one."""
    actor = request.actor
    types = appointment_types(actor=actor)
    form = PriceForm(request.POST or None, types=types)
    status = 200
    if request.method == "POST":
        if not actor.can(Perm.INVOICE_WRITE):
            return HttpResponse(status=403)
        if form.is_valid():
            data = form.cleaned_data
            try:
                price_item_create(
                    actor=actor,
                    name=data["name"],
                    unit_price=data["unit_price"],
                    vat_rate=data["vat_rate"],
                    appointment_type_id=int(data["appointment_type"])
                    if data["appointment_type"]
                    else None,
                    is_no_show_fee=data["is_no_show_fee"],
                )
            except BillingError as exc:
                form_error_add(form, exc)
            else:
                messages.success(request, _("The price is saved."))
                return redirect("price_list")
        status = 422
    return render(
        request,
        "billing/price_list.html",
        {"prices": price_list(actor=actor), "form": form},
        status=status,
    )
