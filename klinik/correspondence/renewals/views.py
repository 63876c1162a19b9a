"""The renewal screens ("Receptfornyelser"): the open renewals, a patient's renewals with the
form to register a phone request, and one renewal — prepared by the secretary, approved or
declined by the doctor. Thin: parse → service or selector → page."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from klinik.audit.choices import Channel
from klinik.core.errors import DomainError, form_error_add
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.correspondence.renewals.access import access_renewal
from klinik.correspondence.renewals.forms import (
    RenewalDecisionForm,
    RenewalPrepareForm,
    RenewalRegisterForm,
)
from klinik.correspondence.renewals.selectors import patient_renewals, renewal_list
from klinik.correspondence.renewals.services import (
    doctors_for,
    renewal_approve,
    renewal_cancel,
    renewal_decline,
    renewal_prepare,
    renewal_register,
)
from klinik.patients.access import access_patient


@requires(Perm.RECORD_READ)
@require_GET
def renewal_list_view(request: ActorRequest) -> HttpResponse:
    decided = request.GET.get("decided") == "1"
    return render(
        request,
        "correspondence/renewals/list.html",
        {"renewals": renewal_list(actor=request.actor, is_open=not decided), "decided": decided},
    )


@requires(Perm.RECORD_READ)
@require_http_methods(["GET", "POST"])
def patient_renewals_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """The patient's renewals; POST registers a request taken by phone."""
    patient = access_patient(actor=request.actor, public_id=public_id, channel=Channel.UI)
    form = RenewalRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            renewal = renewal_register(
                actor=request.actor,
                patient=patient,
                medication=form.cleaned_data["medication"],
                request_text=form.cleaned_data["request_text"],
            )
        except DomainError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("The request is registered. Prepare it for the doctor."))
            return redirect("renewal_detail", public_id=renewal.public_id)
    return render(
        request,
        "correspondence/renewals/patient.html",
        {
            "patient": patient,
            "renewals": patient_renewals(patient=patient),
            "form": form,
            "can_write": request.actor.can(Perm.RECORD_WRITE),
        },
        status=422 if request.method == "POST" else 200,
    )


@requires(Perm.RECORD_READ)
@require_http_methods(["GET", "POST"])
def renewal_detail_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """One renewal; POST prepares it (the secretary)."""
    actor = request.actor
    renewal = access_renewal(actor=actor, public_id=public_id, for_update=request.method == "POST")
    doctors = {str(u.pk): u for u in doctors_for(organisation_id=renewal.organisation_id)}
    initial = {
        "medication": renewal.medication,
        "dose": renewal.dose,
        "pharmacy": renewal.pharmacy,
        "last_renewed_on": renewal.last_renewed_on,
        "doctor": str(renewal.doctor_id or ""),
        "note": renewal.note,
    }
    form = RenewalPrepareForm(
        request.POST or None,
        initial=initial,
        doctors=[(key, u.get_full_name() or u.get_username()) for key, u in doctors.items()],
    )
    if request.method == "POST" and actor.can(Perm.RECORD_WRITE) and form.is_valid():
        data = form.cleaned_data
        try:
            renewal_prepare(
                actor=actor,
                renewal=renewal,
                medication=data["medication"],
                dose=data["dose"],
                pharmacy=data["pharmacy"],
                last_renewed_on=data["last_renewed_on"],
                doctor=doctors.get(data["doctor"]),
                note=data["note"],
            )
        except DomainError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("The renewal is prepared and waits for the doctor."))
            return redirect("renewal_detail", public_id=renewal.public_id)
    return render(
        request,
        "correspondence/renewals/detail.html",
        {
            "renewal": renewal,
            "form": form,
            "decision_form": RenewalDecisionForm(),
            "can_prepare": actor.can(Perm.RECORD_WRITE) and renewal.is_open,
            "can_decide": actor.can(Perm.PRESCRIPTION_RENEW) and renewal.is_open,
        },
        status=422 if request.method == "POST" else 200,
    )


@requires(Perm.PRESCRIPTION_RENEW)
@require_POST
def renewal_decide_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """The doctor's decision: `approve` or `decline` (with the note)."""
    renewal = access_renewal(actor=request.actor, public_id=public_id, for_update=True)
    form = RenewalDecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if "approve" in request.POST:
            renewal_approve(actor=request.actor, renewal=renewal, note=note)
            messages.success(request, _("The prescription is renewed in FMK."))
        else:
            renewal_decline(actor=request.actor, renewal=renewal, note=note)
            messages.success(request, _("The renewal is declined; the patient is told."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("renewal_detail", public_id=renewal.public_id)


@requires(Perm.RECORD_WRITE)
@require_POST
def renewal_cancel_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    renewal = access_renewal(actor=request.actor, public_id=public_id, for_update=True)
    try:
        renewal_cancel(actor=request.actor, renewal=renewal)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The request is cancelled."))
    return redirect("renewal_detail", public_id=renewal.public_id)
