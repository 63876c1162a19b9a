"""The quality dashboard of a unit and a period ("Kvalitet") and its Excel export."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.reporting.dashboards.charts import chart_layout
from klinik.reporting.dashboards.export import dashboard_workbook
from klinik.reporting.dashboards.forms import DashboardForm
from klinik.reporting.dashboards.periods import MONTH, Period, period_of, period_parse
from klinik.reporting.dashboards.selectors import dashboard_build
from klinik.reporting.units import report_unit, report_units

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@requires(Perm.REPORT_DASHBOARD)
@require_GET
def dashboard_home_view(request: ActorRequest) -> HttpResponse:
    """The actor's own unit (else the first), this month; the form's choice when given."""
    units = report_units(actor=request.actor)
    today = timezone.localdate()
    if "unit" in request.GET:
        form = DashboardForm(request.GET, units=units, today=today)
        if form.is_valid():
            url = reverse("quality_dashboard", args=[form.cleaned_data["unit"]])
            return redirect(f"{url}?period={form.cleaned_data['period'].key}")
    own = request.actor.unit
    unit = own if own is not None and own in units else (units[0] if units else None)
    if unit is None:
        return render(request, "reporting/dashboards/no_units.html")
    url = reverse("quality_dashboard", args=[unit.public_id])
    return redirect(f"{url}?period={period_of(MONTH, today).key}")


def _period(request: ActorRequest) -> tuple[Period, bool]:
    today = timezone.localdate()
    text = request.GET.get("period", "")
    period = period_parse(text, today)
    return (period or period_of(MONTH, today)), (period is not None or not text)


@requires(Perm.REPORT_DASHBOARD)
@require_GET
def dashboard_view(request: ActorRequest, unit_id: str) -> HttpResponse:
    actor = request.actor
    unit = report_unit(actor=actor, public_id=unit_id)
    period, is_valid = _period(request)
    today = timezone.localdate()
    form = DashboardForm(
        {"unit": str(unit.public_id), "period": request.GET.get("period", period.key)},
        units=report_units(actor=actor),
        today=today,
    )
    form.is_valid()  # puts the message at the period when it names none
    dashboard = dashboard_build(actor=actor, unit=unit, period=period)
    context = {
        "dashboard": dashboard,
        "form": form,
        "panels": [(panel, chart_layout(panel)) for panel in dashboard.panels],
        "previous": period.shifted(-1),
        "next": period.shifted(1) if period.shifted(1).first <= today else None,
    }
    return render(
        request, "reporting/dashboards/dashboard.html", context, status=200 if is_valid else 422
    )


@requires(Perm.REPORT_DASHBOARD)
@require_GET
def dashboard_export_view(request: ActorRequest, unit_id: str) -> HttpResponse:
    actor = request.actor
    unit = report_unit(actor=actor, public_id=unit_id)
    period, is_valid = _period(request)
    if not is_valid:
        return HttpResponse(status=404)
    dashboard = dashboard_build(actor=actor, unit=unit, period=period)
    access_log_record(
        actor=actor,
        action=Action.EXPORT,
        purpose=Purpose.QUALITY,
        channel=Channel.UI,
        object_type="quality_dashboard",
        object_id=unit.public_id,
        reason=period.key,
    )
    response = HttpResponse(dashboard_workbook(dashboard), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="kvalitet-{period.key}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response
