"""The stock screen ("Lager"): products with their lots, quantities and warnings (below the
reorder point, expiring within 30 days), goods received and a new product. Thin."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from klinik.core.errors import DomainError, form_error_add
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.purchasing.forms import ProductForm, ReceiptForm
from klinik.purchasing.selectors import (
    lot_access,
    product_access,
    stock_overview,
    stock_value,
    stock_workbook,
)
from klinik.purchasing.services import product_create, receipt_register, stock_count

_FIELDS = {"lot": "lot_number", "location": "location"}


def _page(
    request: ActorRequest,
    receipt: ReceiptForm | None = None,
    product: ProductForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = stock_overview(actor=request.actor, today=timezone.localdate())
    products = [r.product for r in rows]
    values, total = stock_value(actor=request.actor)
    return render(
        request,
        "purchasing/stock.html",
        {
            "rows": rows,
            "receipt_form": receipt or ReceiptForm(products=products),
            "product_form": product or ProductForm(),
            "values": values,
            "value_total": total,
        },
        status=status,
    )


@requires(Perm.STOCK_VIEW)
def stock_view(request: ActorRequest) -> HttpResponse:
    """The stock; `?format=xlsx`: its value per product as an Excel workbook."""
    if request.GET.get("format") == "xlsx":
        values, total = stock_value(actor=request.actor)
        response = HttpResponse(
            stock_workbook(values, total),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="lagervaerdi.xlsx"'
        return response
    return _page(request)


@requires(Perm.STOCK_MANAGE)
def receipt_view(request: ActorRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("stock")
    products = [r.product for r in stock_overview(actor=request.actor, today=timezone.localdate())]
    form = ReceiptForm(request.POST, products=products)
    if not form.is_valid():
        return _page(request, receipt=form, status=422)
    data = form.cleaned_data
    try:
        lot = receipt_register(
            actor=request.actor,
            product=product_access(actor=request.actor, public_id=data["product"]),
            lot_number=data["lot_number"],
            expiry=data["expiry"],
            quantity=data["quantity"],
            location_name=data["location"],
        )
    except DomainError as exc:
        form_error_add(form, exc, _FIELDS)
        return _page(request, receipt=form, status=422)
    messages.success(
        request,
        _("Received: lot %(lot)s, now %(n)d in stock.")
        % {"lot": lot.lot_number, "n": lot.quantity},
    )
    return redirect("stock")


@requires(Perm.STOCK_MANAGE)
def product_view(request: ActorRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("stock")
    form = ProductForm(request.POST)
    if not form.is_valid():
        return _page(request, product=form, status=422)
    data = form.cleaned_data
    try:
        product_create(
            actor=request.actor,
            name=data["name"],
            kind=data["kind"],
            unit_name=data["unit_name"],
            atc_code=data["atc_code"],
            reorder_point=data["reorder_point"],
        )
    except DomainError as exc:
        form_error_add(form, exc)
        return _page(request, product=form, status=422)
    messages.success(request, _("The product is created."))
    return redirect("stock")


@requires(Perm.STOCK_MANAGE)
def count_view(request: ActorRequest, lot_id: str) -> HttpResponse:
    """A stock count of one lot from the stock screen; the difference is recorded."""
    if request.method != "POST":
        return redirect("stock")
    lot = lot_access(actor=request.actor, public_id=lot_id)
    try:
        counted = int(request.POST.get("counted", ""))
    except ValueError:
        counted = -1
    try:
        difference = stock_count(actor=request.actor, lot=lot, counted=counted)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Counted lot %(lot)s: difference %(d)+d recorded.")
            % {"lot": lot.lot_number, "d": difference},
        )
    return redirect("stock")
