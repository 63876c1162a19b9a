"""The manager's appointment-type screens: a unit's types, add and edit one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from klinik.core.errors import SetupInvalid, form_error_add
from klinik.core.http import ActorRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm, requires
from klinik.core.setup.selectors import setup_unit_chosen, setup_units
from klinik.scheduling.models import AppointmentType
from klinik.scheduling.types import services
from klinik.scheduling.types.forms import ERROR_FIELDS, TypeForm, type_initial
from klinik.scheduling.types.selectors import setup_type, setup_types, unit_resources


def _list_url(unit: Unit) -> str:
    return f"{reverse('setup_types')}?unit={unit.public_id}"


@requires(Perm.CLINIC_SETUP)
@require_http_methods(["GET"])
def types_view(request: ActorRequest) -> HttpResponse:
    unit = setup_unit_chosen(actor=request.actor, public_id=request.GET.get("unit", ""))
    return render(
        request,
        "scheduling/types/types.html",
        {
            "unit": unit,
            "units": setup_units(actor=request.actor),
            "types": setup_types(actor=request.actor, unit=unit),
        },
    )


def _form_page(
    request: ActorRequest, form: TypeForm, unit: Unit, kind: AppointmentType | None
) -> HttpResponse:
    return render(
        request,
        "scheduling/types/type_form.html",
        {"form": form, "unit": unit, "kind": kind, "list_url": _list_url(unit)},
        status=400 if form.errors else 200,
    )


@requires(Perm.CLINIC_SETUP)
@require_http_methods(["GET", "POST"])
def type_add_view(request: ActorRequest) -> HttpResponse:
    unit = setup_unit_chosen(actor=request.actor, public_id=request.GET.get("unit", ""))
    form = TypeForm(request.POST or None, resources=unit_resources(unit=unit))
    if request.method == "POST" and form.is_valid():
        try:
            created = services.appointment_type_create(
                actor=request.actor, unit=unit, data=form.type_input()
            )
        except SetupInvalid as exc:
            form_error_add(form, exc, ERROR_FIELDS)
        else:
            messages.success(request, _("%(name)s has been added.") % {"name": created.name})
            return redirect(_list_url(unit))
    return _form_page(request, form, unit, None)


@requires(Perm.CLINIC_SETUP)
@require_http_methods(["GET", "POST"])
def type_edit_view(request: ActorRequest, public_id: str) -> HttpResponse:
    kind = setup_type(actor=request.actor, public_id=public_id)
    unit = kind.unit
    form = TypeForm(
        request.POST or None, initial=type_initial(kind), resources=unit_resources(unit=unit)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_type_update(
                actor=request.actor, appointment_type=kind, data=form.type_input()
            )
        except SetupInvalid as exc:
            form_error_add(form, exc, ERROR_FIELDS)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": kind.name})
            return redirect(_list_url(unit))
    return _form_page(request, form, unit, kind)
