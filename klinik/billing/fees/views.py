"""The fee screens ("Ydelser"): a unit's day of fees to suggest, correct and approve, and the
monthly settlement batches with the region's rejections. Thin: parse → service → page."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klinik.billing.errors import BillingError
from klinik.billing.fees.rates import fee_rates_on
from klinik.billing.fees.selectors import fees_for_day, settlement_fees, settlements_list
from klinik.billing.fees.services import (
    fee_add,
    fee_change,
    fee_reject,
    fee_remove,
    fees_approve,
    fees_suggest,
)
from klinik.billing.fees.settlement import settlement_access, settlement_build, settlement_file
from klinik.billing.models import Fee
from klinik.core.datefields import parse_danish_date
from klinik.core.http import ActorRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm, requires


def _units(request: ActorRequest) -> list[Unit]:
    return list(
        Unit.objects.filter(organisation_id__in=request.actor.organisation_ids).order_by("name")
    )


def _unit(request: ActorRequest, value: str) -> Unit:
    units = _units(request)
    found = next((u for u in units if str(u.public_id) == value), None)
    if found is None:
        found = request.actor.unit if request.actor.unit in units else (units[0] if units else None)
    if found is None:
        raise Http404
    return found


def _day(value: str) -> date:
    return parse_danish_date(value) or timezone.localdate()


def _back(unit: Unit, day: date) -> HttpResponse:
    return redirect(f"/fees/?unit={unit.public_id}&day={day:%d.%m.%Y}")


@requires(Perm.FEE_APPROVE)
def fee_day_view(request: ActorRequest) -> HttpResponse:
    unit = _unit(request, request.GET.get("unit", ""))
    day = _day(request.GET.get("day", ""))
    fees = fees_for_day(actor=request.actor, day=day, unit=unit)
    context = {
        "unit": unit,
        "units": _units(request),
        "day": day,
        "fees": fees,
        "rates": fee_rates_on(on=day),
        "waiting": sum(1 for f in fees if f.status in ("suggested", "rejected")),
    }
    return render(request, "billing/fee_day.html", context)


@require_POST
@requires(Perm.FEE_APPROVE)
def fee_suggest_view(request: ActorRequest) -> HttpResponse:
    unit = _unit(request, request.POST.get("unit", ""))
    day = _day(request.POST.get("day", ""))
    count = fees_suggest(actor=request.actor, unit=unit, day=day)
    messages.success(request, _("%(n)d fees suggested from the day's contacts.") % {"n": count})
    return _back(unit, day)


@require_POST
@requires(Perm.FEE_APPROVE)
def fee_approve_view(request: ActorRequest) -> HttpResponse:
    unit = _unit(request, request.POST.get("unit", ""))
    day = _day(request.POST.get("day", ""))
    count = fees_approve(actor=request.actor, unit=unit, public_ids=request.POST.getlist("fee"))
    messages.success(request, _("%(n)d fees approved.") % {"n": count})
    return _back(unit, day)


def _fee(request: ActorRequest, fee_id: str) -> Fee:
    found = (
        Fee.objects.select_related("unit", "appointment", "patient")
        .filter(organisation_id__in=request.actor.organisation_ids, public_id=fee_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


@require_POST
@requires(Perm.FEE_APPROVE)
def fee_change_view(request: ActorRequest, fee_id: str) -> HttpResponse:
    fee = _fee(request, fee_id)
    action = request.POST.get("action", "change")
    try:
        if action == "remove":
            fee_remove(actor=request.actor, fee=fee)
        elif action == "add" and fee.appointment is not None:
            fee_add(
                actor=request.actor, appointment=fee.appointment, code=request.POST.get("code", "")
            )
        else:
            fee_change(
                actor=request.actor,
                fee=fee,
                code=request.POST.get("code"),
                amount=request.POST.get("amount"),
            )
    except BillingError as exc:
        messages.error(request, exc.message)
    return _back(fee.unit, fee.performed_on)


@requires(Perm.FEE_APPROVE)
def settlement_list_view(request: ActorRequest) -> HttpResponse:
    if request.method == "POST":
        text = request.POST.get("period", "").strip()
        period = parse_danish_date(f"01.{text}") if text else None
        if period is None:
            messages.error(request, _("Write the month as mm.yyyy, e.g. 11.2026."))
        else:
            try:
                settlement = settlement_build(actor=request.actor, period=period)
            except BillingError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("The batch is sent: %(n)d fees.") % {"n": settlement.fee_count},
                )
                return redirect("settlement_detail", settlement_id=settlement.public_id)
        return redirect("settlement_list")
    today = timezone.localdate()
    last_month = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    return render(
        request,
        "billing/settlement_list.html",
        {"settlements": settlements_list(actor=request.actor), "suggested": last_month},
    )


@requires(Perm.FEE_APPROVE)
def settlement_detail_view(request: ActorRequest, settlement_id: str) -> HttpResponse:
    settlement = settlement_access(actor=request.actor, public_id=settlement_id)
    if request.method == "POST":
        fee = _fee(request, request.POST.get("fee", ""))
        if fee.settlement_id != settlement.pk:
            raise Http404
        try:
            fee_reject(actor=request.actor, fee=fee, reason=request.POST.get("reason", ""))
        except BillingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("The rejection is registered; the fee is back in the work queue.")
            )
        return redirect("settlement_detail", settlement_id=settlement.public_id)
    fees = settlement_fees(actor=request.actor, settlement=settlement)
    return render(
        request, "billing/settlement_detail.html", {"settlement": settlement, "fees": fees}
    )


@requires(Perm.FEE_APPROVE)
def settlement_file_view(request: ActorRequest, settlement_id: str) -> HttpResponse:
    settlement = settlement_access(actor=request.actor, public_id=settlement_id)
    file = settlement_file(settlement)
    response = HttpResponse(file.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file.name}"'
    return response
