"""The patient's self-service page (public, behind the signed link): ask for a prescription
renewal, write to the clinic (the local e-konsultation backend), read the clinic's answers.
No login; the link is the patient's key. POSTs are rate limited per client address; the page
shows the patient's first name only, and every visit is logged as the patient's own request."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.errors import DomainError, form_error_add
from klinik.core.http import PublicRequest
from klinik.core.policy import public
from klinik.core.ratelimit import client_address, rate_limit_hit
from klinik.correspondence.econsult.selectors import patient_answers
from klinik.correspondence.econsult.services import patient_message_receive
from klinik.correspondence.renewals.services import renewal_request_receive
from klinik.correspondence.selfservice.forms import SelfMessageForm, SelfRenewalForm
from klinik.correspondence.selfservice.links import LinkInvalid, selfservice_patient
from klinik.patients.models import Patient

POSTS_PER_HOUR = 20


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "correspondence/selfservice/invalid.html",
        {"title": _("The link is not valid")},
        status=404,
    )


def _allowed(request: HttpRequest) -> bool:
    return rate_limit_hit(
        scope="selfservice",
        client=client_address(request),
        limit=POSTS_PER_HOUR,
        window=timedelta(hours=1),
    )


def _view_log(patient: Patient) -> None:
    access_log_record(
        actor=None,
        username="self-service",
        action=Action.VIEW,
        purpose=Purpose.PATIENT_REQUEST,
        channel=Channel.UI,
        object_type="selfservice",
        object_id=patient.public_id,
        patient_id=patient.public_id,
        organisation_id=patient.organisation_id,
        reason="patient's link",
    )


@public
@never_cache
@require_http_methods(["GET", "POST"])
def selfservice_view(request: PublicRequest, token: str) -> HttpResponse:
    try:
        patient = selfservice_patient(token)
    except LinkInvalid:
        return _invalid(request)
    renewal_form = SelfRenewalForm(request.POST if "renewal" in request.POST else None)
    message_form = SelfMessageForm(request.POST if "message" in request.POST else None)
    status = 200
    if request.method == "POST":
        if not _allowed(request):
            return render(
                request,
                "correspondence/selfservice/invalid.html",
                {"title": _("Too many attempts"), "message": _("Try again in an hour.")},
                status=429,
            )
        form = renewal_form if "renewal" in request.POST else message_form
        if form.is_valid():
            try:
                if form is renewal_form:
                    renewal_request_receive(
                        patient=patient,
                        medication=form.cleaned_data["medication"],
                        request_text=form.cleaned_data["request_text"],
                    )
                    sent = "renewal"
                else:
                    patient_message_receive(
                        patient=patient,
                        subject=form.cleaned_data["subject"],
                        text=form.cleaned_data["text"],
                    )
                    sent = "message"
            except DomainError as exc:
                form_error_add(form, exc)
            else:
                return redirect(f"{request.path}?sent={sent}")
        status = 422
    else:
        _view_log(patient)
    return render(
        request,
        "correspondence/selfservice/page.html",
        {
            "patient": patient,
            "clinic": patient.unit.name if patient.unit else patient.organisation.name,
            "renewal_form": renewal_form,
            "message_form": message_form,
            "answers": patient_answers(patient=patient),
            "sent": request.GET.get("sent", ""),
        },
        status=status,
    )
