"""The error list (fejlliste) screen, and the re-validate and send buttons. Thin: parse →
selector / service → page or htmx partial."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from klinik.audit.choices import Channel
from klinik.core.errors import DomainError
from klinik.core.http import ActorRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm, requires
from klinik.patients.views import break_glass_on_refusal
from klinik.reporting.lpr3_report import selectors, services


def _units(request: ActorRequest) -> list[Unit]:
    return list(
        Unit.objects.filter(organisation_id__in=request.actor.organisation_ids).order_by("name")
    )


@requires(Perm.REPORT_LPR3)
@require_GET
def error_list_view(request: ActorRequest) -> HttpResponse:
    """Every open LPR3 error and warning of the unit (default: the actor's unit), sortable and
    filtered by rule; htmx (a sort or filter) gets the table only."""
    units = _units(request)
    asked = request.GET.get("unit", "")
    if asked == "all":
        unit_ids = None
    elif asked.isdigit() and any(u.pk == int(asked) for u in units):
        unit_ids = [int(asked)]
    elif request.actor.unit is not None:
        asked, unit_ids = str(request.actor.unit.pk), [request.actor.unit.pk]
    else:
        asked, unit_ids = "all", None
    rule = request.GET.get("rule", "")
    rows, sort = selectors.lpr3_error_list(
        actor=request.actor, unit_ids=unit_ids, rule=rule, sort=request.GET.get("sort", "")
    )
    context = {
        "rows": rows,
        "sort": sort,
        "rule": rule,
        "unit": asked,
        "units": units,
        "rules": selectors.lpr3_error_rules(actor=request.actor, unit_ids=unit_ids),
        "errors": sum(1 for r in rows if r.severity == "ERROR"),
        "warnings": sum(1 for r in rows if r.severity != "ERROR"),
        "back": request.get_full_path(),
    }
    if request.htmx:
        return render(request, "reporting/partials/_lpr3_errors_table.html", context)
    return render(request, "reporting/lpr3_errors.html", context)


def _back(request: ActorRequest) -> HttpResponse:
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("lpr3_errors")


@requires(Perm.REPORT_LPR3)
@require_POST
@break_glass_on_refusal
def patient_revalidate_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """Validate the patient's report again now: fixed errors leave the list."""
    result = services.lpr3_patient_revalidate(
        actor=request.actor, public_id=public_id, channel=Channel.UI
    )
    messages.success(
        request,
        _("Validated again: %(fixed)s fixed, %(open)s open.")
        % {"fixed": result.fixed, "open": result.open},
    )
    return _back(request)


@requires(Perm.REPORT_LPR3)
@require_POST
@break_glass_on_refusal
def patient_send_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """Send the patient's current report to LPR (through the transport adapter) when it has
    no errors."""
    try:
        sent = services.lpr3_patient_send(
            actor=request.actor, public_id=public_id, channel=Channel.UI
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Sent to LPR as version %(version)s.") % {"version": sent.version}
        )
    return _back(request)
