"""The waiting-time overview screen ("Ventetider") and its Excel export."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.errors import DomainError, form_error_add
from klinik.core.http import ActorRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm, requires
from klinik.pathways.selectors import pathway_units
from klinik.pathways.setup import WARNING_MAX, pathway_warning_set, warning_days_for
from klinik.pathways.waiting.export import overview_workbook
from klinik.pathways.waiting.selectors import MonthShare, waiting_overview

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHART_HEIGHT = 120
BAR_WIDTH = 28
BAR_GAP = 8


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    label: str
    value: str
    month: MonthShare


def chart_bars(months: list[MonthShare]) -> list[Bar]:
    bars = []
    for index, month in enumerate(months):
        percent = month.percent
        height = round(CHART_HEIGHT * percent / 100) if percent is not None else 0
        bars.append(
            Bar(
                x=index * (BAR_WIDTH + BAR_GAP),
                y=CHART_HEIGHT - height,
                height=height,
                label=month.month.strftime("%m.%y"),
                value=f"{percent} %" if percent is not None else "-",
                month=month,
            )
        )
    return bars


class WarningForm(forms.Form):
    warning_working_days = forms.IntegerField(
        label=gettext_lazy("Warn of deadlines (working days ahead)"),
        min_value=0,
        max_value=WARNING_MAX,
    )
    for_organisation = forms.BooleanField(
        label=gettext_lazy("For every unit of the organisation without its own setting"),
        required=False,
    )


def _unit(request: ActorRequest, unit_id: str) -> Unit:
    unit = next(
        (u for u in pathway_units(actor=request.actor) if str(u.public_id) == str(unit_id)), None
    )
    if unit is None:
        raise Http404
    return unit


@requires(Perm.PATHWAY_VIEW)
@require_GET
def waiting_overview_view(request: ActorRequest, unit_id: str) -> HttpResponse:
    unit = _unit(request, unit_id)
    return _page(request, unit)


def _page(
    request: ActorRequest, unit: Unit, form: WarningForm | None = None, status: int = 200
) -> HttpResponse:
    overview = waiting_overview(actor=request.actor, unit=unit)
    if request.GET.get("format") == "xlsx":
        access_log_record(
            actor=request.actor,
            action=Action.EXPORT,
            purpose=Purpose.ADMINISTRATION,
            channel=Channel.UI,
            object_type="waiting_overview",
            object_id=unit.public_id,
            reason=f"{len(overview.rows)} rows",
        )
        response = HttpResponse(overview_workbook(overview), content_type=XLSX)
        response["Content-Disposition"] = (
            f'attachment; filename="ventetider-{overview.today:%Y-%m-%d}.xlsx"'
        )
        return response
    bars = chart_bars(overview.months)
    days, source = warning_days_for(unit)
    return render(
        request,
        "pathways/waiting_overview.html",
        {
            "overview": overview,
            "unit": unit,
            "bars": bars,
            "chart_width": len(bars) * (BAR_WIDTH + BAR_GAP),
            "chart_height": CHART_HEIGHT,
            "bar_width": BAR_WIDTH,
            "warning_days": days,
            "warning_source": source,
            "can_setup": request.actor.can(Perm.CLINIC_SETUP),
            "warning_form": form or WarningForm(initial={"warning_working_days": days}),
        },
        status=status,
    )


@requires(Perm.CLINIC_SETUP, Perm.PATHWAY_VIEW)
@require_POST
def waiting_warning_view(request: ActorRequest, unit_id: str) -> HttpResponse:
    """Set how early the work queue warns of this unit's (or every unit's) deadlines."""
    unit = _unit(request, unit_id)
    form = WarningForm(request.POST)
    if not form.is_valid():
        return _page(request, unit, form, status=422)
    try:
        pathway_warning_set(
            actor=request.actor,
            unit=unit,
            warning_working_days=form.cleaned_data["warning_working_days"],
            for_organisation=form.cleaned_data["for_organisation"],
        )
    except DomainError as exc:
        form_error_add(form, exc)
        return _page(request, unit, form, status=422)
    messages.success(request, _("The warning is saved."))
    return redirect("waiting_overview", unit_id=unit.public_id)
