"""The waiting-time overview screen ("Ventetider") and its Excel export."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.pathways.selectors import pathway_units
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


@requires(Perm.PATHWAY_VIEW)
@require_GET
def waiting_overview_view(request: ActorRequest, unit_id: str) -> HttpResponse:
    unit = next(
        (u for u in pathway_units(actor=request.actor) if str(u.public_id) == str(unit_id)), None
    )
    if unit is None:
        raise Http404
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
        },
    )
