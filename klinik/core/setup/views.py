"""The manager's screens for the organisation (numbers, address, logo) and its units."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from klinik.core.errors import SetupInvalid, form_error_add
from klinik.core.http import ActorRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm, requires
from klinik.core.setup import services
from klinik.core.setup.forms import LogoForm, OrganisationForm, UnitForm
from klinik.core.setup.logo import logo_kind, logo_path
from klinik.core.setup.selectors import setup_organisation, setup_unit, setup_units


@requires(Perm.CLINIC_SETUP)
@require_http_methods(["GET", "POST"])
def organisation_view(request: ActorRequest) -> HttpResponse:
    organisation = setup_organisation(actor=request.actor)
    initial = {name: getattr(organisation, name) for name in services.ORGANISATION_FIELDS}
    form = OrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(actor=request.actor, data=form.cleaned_data)
        except SetupInvalid as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("The organisation is saved."))
            return redirect("setup_organisation")
    return render(
        request,
        "core/setup/organisation.html",
        {"form": form, "logo_form": LogoForm(), "organisation": organisation},
        status=400 if form.errors else 200,
    )


@requires(Perm.CLINIC_SETUP)
@require_http_methods(["GET", "POST"])
def organisation_logo_view(request: ActorRequest) -> HttpResponseBase:
    """GET: the current logo; POST: upload a new one."""
    organisation = setup_organisation(actor=request.actor)
    if request.method == "GET":
        if not organisation.logo_key:
            raise Http404
        path = logo_path(organisation.logo_key)
        if not path.exists():
            raise Http404
        with path.open("rb") as handle:
            kind = logo_kind(handle.read(8))
        return FileResponse(
            path.open("rb"), content_type=kind[1] if kind else "application/octet-stream"
        )
    logo_form = LogoForm(request.POST, request.FILES)
    if logo_form.is_valid():
        try:
            services.organisation_logo_set(
                actor=request.actor, upload=logo_form.cleaned_data["logo"]
            )
        except SetupInvalid as exc:
            form_error_add(logo_form, exc)
        else:
            messages.success(request, _("The logo is saved."))
            return redirect("setup_organisation")
    initial = {name: getattr(organisation, name) for name in services.ORGANISATION_FIELDS}
    return render(
        request,
        "core/setup/organisation.html",
        {
            "form": OrganisationForm(initial=initial),
            "logo_form": logo_form,
            "organisation": organisation,
        },
        status=400,
    )


@requires(Perm.CLINIC_SETUP)
@require_http_methods(["GET"])
def units_view(request: ActorRequest) -> HttpResponse:
    return render(request, "core/setup/units.html", {"units": setup_units(actor=request.actor)})


def _unit_page(request: ActorRequest, form: UnitForm, unit: Unit | None) -> HttpResponse:
    return render(
        request,
        "core/setup/unit_form.html",
        {"form": form, "unit": unit},
        status=400 if form.errors else 200,
    )


@requires(Perm.CLINIC_SETUP)
@require_http_methods(["GET", "POST"])
def unit_add_view(request: ActorRequest) -> HttpResponse:
    setup_organisation(actor=request.actor)
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=request.actor, data=form.cleaned_data)
        except SetupInvalid as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("%(name)s has been added.") % {"name": unit.name})
            return redirect("setup_units")
    return _unit_page(request, form, None)


@requires(Perm.CLINIC_SETUP)
@require_http_methods(["GET", "POST"])
def unit_edit_view(request: ActorRequest, public_id: str) -> HttpResponse:
    unit = setup_unit(actor=request.actor, public_id=public_id)
    initial = {name: getattr(unit, name) for name in services.UNIT_FIELDS}
    form = UnitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(actor=request.actor, unit=unit, data=form.cleaned_data)
        except SetupInvalid as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": unit.name})
            return redirect("setup_units")
    return _unit_page(request, form, unit)
