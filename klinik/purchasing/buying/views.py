"""The buying screens ("Indkøb"): suppliers (list, create, edit) and purchase orders (list, a
new draft, send, receive with lot and expiry into stock). Thin: parse → service → page; a
refusal is shown at its field."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from klinik.core.datefields import parse_danish_date
from klinik.core.errors import DomainError, form_error_add
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.purchasing.buying.forms import SupplierForm
from klinik.purchasing.buying.selectors import (
    order_access,
    orders_list,
    supplier_access,
    suppliers_list,
)
from klinik.purchasing.buying.services import (
    OrderLineInput,
    ReceiptLineInput,
    order_create,
    order_receive,
    order_send,
    supplier_save,
)
from klinik.purchasing.selectors import product_access, stock_overview

NEW_ORDER_ROWS = 5


def _supplier_page(
    request: ActorRequest, form: SupplierForm | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "purchasing/suppliers.html",
        {"suppliers": suppliers_list(actor=request.actor), "form": form or SupplierForm()},
        status=status,
    )


def _supplier_save(request: ActorRequest, form: SupplierForm, supplier: Any = None) -> Any:
    data = form.cleaned_data
    return supplier_save(
        actor=request.actor,
        supplier=supplier,
        name=data["name"],
        cvr=data["cvr"],
        email=data["email"],
        phone=data["phone"],
        address=data["address"],
        customer_number=data["customer_number"],
        is_active=data["is_active"] if supplier is not None else True,
    )


@requires(Perm.STOCK_VIEW)
def supplier_list_view(request: ActorRequest) -> HttpResponse:
    if request.method != "POST":
        return _supplier_page(request)
    if not request.actor.can(Perm.STOCK_MANAGE):
        return HttpResponse(status=403)
    form = SupplierForm(request.POST)
    if not form.is_valid():
        return _supplier_page(request, form, status=422)
    try:
        _supplier_save(request, form)
    except DomainError as exc:
        form_error_add(form, exc)
        return _supplier_page(request, form, status=422)
    messages.success(request, _("The supplier is created."))
    return redirect("purchasing_suppliers")


@requires(Perm.STOCK_MANAGE)
def supplier_edit_view(request: ActorRequest, supplier_id: str) -> HttpResponse:
    supplier = supplier_access(actor=request.actor, public_id=supplier_id)
    status = 200
    if request.method == "POST":
        form = SupplierForm(request.POST)
        if form.is_valid():
            try:
                _supplier_save(request, form, supplier)
            except DomainError as exc:
                form_error_add(form, exc)
            else:
                messages.success(request, _("The supplier is saved."))
                return redirect("purchasing_suppliers")
        status = 422
    else:
        form = SupplierForm(
            initial={
                field: getattr(supplier, field)
                for field in (
                    "name",
                    "cvr",
                    "email",
                    "phone",
                    "address",
                    "customer_number",
                    "is_active",
                )
            }
        )
    return render(
        request,
        "purchasing/supplier_edit.html",
        {"supplier": supplier, "form": form},
        status=status,
    )


def _order_list_page(
    request: ActorRequest, errors: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    products = [r.product for r in stock_overview(actor=request.actor, today=timezone.localdate())]
    return render(
        request,
        "purchasing/orders.html",
        {
            "orders": orders_list(actor=request.actor),
            "suppliers": suppliers_list(actor=request.actor, active_only=True),
            "products": products,
            "rows": [
                {
                    "index": row,
                    "product_error": (errors or {}).get(f"product-{row}", ""),
                    "quantity_error": (errors or {}).get(f"quantity-{row}", ""),
                    "cost_error": (errors or {}).get(f"cost-{row}", ""),
                }
                for row in range(NEW_ORDER_ROWS)
            ],
            "errors": errors or {},
            "posted": request.POST if request.method == "POST" else {},
        },
        status=status,
    )


@requires(Perm.STOCK_VIEW)
def order_list_view(request: ActorRequest) -> HttpResponse:
    if request.method != "POST":
        return _order_list_page(request)
    if not request.actor.can(Perm.STOCK_MANAGE):
        return HttpResponse(status=403)
    try:
        supplier = supplier_access(actor=request.actor, public_id=request.POST.get("supplier", ""))
    except Http404:  # an unknown supplier is a field error, not a 404 page
        return _order_list_page(request, {"supplier": _("Choose a supplier.")}, status=422)
    lines = []
    for row in range(NEW_ORDER_ROWS):
        product_id = request.POST.get(f"product-{row}", "")
        if not product_id:
            continue
        lines.append(
            OrderLineInput(
                product=product_access(actor=request.actor, public_id=product_id),
                quantity=request.POST.get(f"quantity-{row}", ""),
                unit_cost=request.POST.get(f"cost-{row}", ""),
            )
        )
    try:
        order = order_create(
            actor=request.actor,
            supplier=supplier,
            lines=lines,
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        return _order_list_page(request, _row_errors(exc, lines_rows(request)), status=422)
    messages.success(request, _("Draft order %(n)d is created.") % {"n": order.number})
    return redirect("purchasing_order", order_id=order.public_id)


def lines_rows(request: ActorRequest) -> list[int]:
    """The form rows that held a line, in order (a refusal's lines.N is the Nth of them)."""
    return [r for r in range(NEW_ORDER_ROWS) if request.POST.get(f"product-{r}")]


def _row_errors(exc: DomainError, rows: list[int]) -> dict[str, str]:
    """lines.N.quantity → quantity-<row>: the message at the input it is about."""
    names = {"quantity": "quantity", "unit_cost": "cost", "product": "product"}
    errors: dict[str, str] = {}
    for field, texts in exc.field_errors().items():
        parts = field.split(".")
        if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit():
            index = int(parts[1])
            row = rows[index] if index < len(rows) else index
            errors[f"{names.get(parts[2], parts[2])}-{row}"] = " ".join(texts)
        else:
            errors[field or "form"] = " ".join(texts)
    return errors


def _order_page(
    request: ActorRequest, order_id: str, errors: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    order = order_access(actor=request.actor, public_id=order_id)
    lines = list(order.lines.select_related("product").order_by("id"))
    total = sum((line.unit_cost * line.quantity for line in lines), 0)
    for line in lines:
        line.errors = {  # type: ignore[attr-defined]
            name: (errors or {}).get(f"{name}-{line.pk}", "")
            for name in ("lot", "expiry", "quantity")
        }
    return render(
        request,
        "purchasing/order_detail.html",
        {
            "order": order,
            "lines": lines,
            "total": total,
            "errors": errors or {},
            "posted": request.POST if request.method == "POST" else {},
        },
        status=status,
    )


@requires(Perm.STOCK_VIEW)
def order_detail_view(request: ActorRequest, order_id: str) -> HttpResponse:
    if request.method != "POST":
        return _order_page(request, order_id)
    if not request.actor.can(Perm.STOCK_MANAGE):
        return HttpResponse(status=403)
    order = order_access(actor=request.actor, public_id=order_id)
    if request.POST.get("action") == "send":
        try:
            order_send(actor=request.actor, order=order)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The order is marked as sent to the supplier."))
        return redirect("purchasing_order", order_id=order.public_id)
    receipts, rows = [], []
    for line in order.lines.all().order_by("id"):
        quantity = request.POST.get(f"quantity-{line.pk}", "").strip()
        if not quantity or quantity == "0":
            continue
        rows.append(line.pk)
        receipts.append(
            ReceiptLineInput(
                line=line,
                lot_number=request.POST.get(f"lot-{line.pk}", ""),
                expiry=parse_danish_date(request.POST.get(f"expiry-{line.pk}", "")),
                quantity=quantity,
            )
        )
    try:
        received = order_receive(
            actor=request.actor,
            order=order,
            receipts=receipts,
            location_name=request.POST.get("location", "").strip() or "Lager",
        )
    except DomainError as exc:
        errors = {}
        for field, texts in exc.field_errors().items():
            parts = field.split(".")
            if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit():
                errors[f"{parts[2]}-{rows[int(parts[1])]}"] = " ".join(texts)
            else:
                errors["form"] = " ".join(texts)
        return _order_page(request, order_id, errors, status=422)
    messages.success(
        request,
        _("The goods are received into stock.")
        if received.status == "received"
        else _("The goods are received into stock; the rest is still outstanding."),
    )
    return redirect("purchasing_order", order_id=order.public_id)
