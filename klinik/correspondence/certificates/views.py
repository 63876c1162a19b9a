"""The certificate screens ("Attester"): the open requests and the catalogue with today's
prices, a patient's certificates with the form to register a request, and one certificate —
written from a letter template, sent through a channel, marked for invoicing. Thin."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from klinik.audit.choices import Channel
from klinik.core.errors import DomainError, form_error_add
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.correspondence.certificates.access import access_certificate
from klinik.correspondence.certificates.choices import CertificateStatus
from klinik.correspondence.certificates.forms import (
    CertificateRegisterForm,
    CertificateSendForm,
    CertificateWriteForm,
)
from klinik.correspondence.certificates.selectors import (
    certificate_catalogue,
    certificate_list,
    certificate_types,
    patient_certificates,
)
from klinik.correspondence.certificates.services import (
    certificate_cancel,
    certificate_register,
    certificate_send,
    certificate_write,
)
from klinik.correspondence.letters.choices import LetterChannel
from klinik.correspondence.letters.selectors import letter_templates_for
from klinik.patients.access import access_patient


@requires(Perm.RECORD_READ)
@require_GET
def certificate_list_view(request: ActorRequest) -> HttpResponse:
    done = request.GET.get("done") == "1"
    return render(
        request,
        "correspondence/certificates/list.html",
        {
            "certificates": certificate_list(actor=request.actor, is_open=not done),
            "catalogue": certificate_catalogue(actor=request.actor, day=timezone.localdate()),
            "done": done,
        },
    )


@requires(Perm.RECORD_READ)
@require_http_methods(["GET", "POST"])
def patient_certificates_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    patient = access_patient(actor=request.actor, public_id=public_id, channel=Channel.UI)
    types = {str(t.pk): t for t in certificate_types(actor=request.actor)}
    form = CertificateRegisterForm(
        request.POST or None,
        initial={"received_on": timezone.localdate()},
        types=[(key, f"{t.code} {t.name}") for key, t in types.items()],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            certificate = certificate_register(
                actor=request.actor,
                patient=patient,
                certificate_type=types.get(data["certificate_type"]),
                requester=data["requester"],
                requester_reference=data["requester_reference"],
                received_on=data["received_on"],
                due_on=data["due_on"],
            )
        except DomainError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("The certificate request is registered."))
            return redirect("certificate_detail", public_id=certificate.public_id)
    return render(
        request,
        "correspondence/certificates/patient.html",
        {
            "patient": patient,
            "certificates": patient_certificates(patient=patient),
            "form": form,
            "can_write": request.actor.can(Perm.RECORD_WRITE),
        },
        status=422 if request.method == "POST" else 200,
    )


@requires(Perm.RECORD_READ)
@require_http_methods(["GET", "POST"])
def certificate_detail_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """One certificate; POST `write` writes its letter from the chosen template."""
    actor = request.actor
    posting = request.method == "POST"
    certificate = access_certificate(actor=actor, public_id=public_id, for_update=posting)
    templates = {
        str(t.public_id): t
        for t in letter_templates_for(actor=actor, unit_id=certificate.patient.unit_id)
    }
    write_form = CertificateWriteForm(
        request.POST if posting else None,
        templates=[(key, t.title) for key, t in templates.items()],
    )
    if posting and write_form.is_valid():
        try:
            certificate_write(
                actor=actor,
                certificate=certificate,
                template=templates.get(write_form.cleaned_data["template"]),
            )
        except DomainError as exc:
            form_error_add(write_form, exc)
        else:
            messages.success(request, _("The certificate is written. Read it, then send it."))
            return redirect("certificate_detail", public_id=certificate.public_id)
    is_open = certificate.status in (CertificateStatus.REQUESTED, CertificateStatus.WRITTEN)
    can_write = actor.can(Perm.RECORD_WRITE)
    return render(
        request,
        "correspondence/certificates/detail.html",
        {
            "certificate": certificate,
            "write_form": write_form,
            "send_form": CertificateSendForm(initial={"channel": LetterChannel.DIGITAL_POST}),
            "can_write": can_write and is_open,
            "can_send": can_write and certificate.status == CertificateStatus.WRITTEN,
        },
        status=422 if posting else 200,
    )


@requires(Perm.RECORD_WRITE)
@require_POST
def certificate_send_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    certificate = access_certificate(actor=request.actor, public_id=public_id, for_update=True)
    form = CertificateSendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how to send the certificate."))
        return redirect("certificate_detail", public_id=certificate.public_id)
    try:
        certificate_send(
            actor=request.actor, certificate=certificate, channel=form.cleaned_data["channel"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The certificate is sent."))
    return redirect("certificate_detail", public_id=certificate.public_id)


@requires(Perm.RECORD_WRITE)
@require_POST
def certificate_cancel_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    certificate = access_certificate(actor=request.actor, public_id=public_id, for_update=True)
    try:
        certificate_cancel(actor=request.actor, certificate=certificate)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The certificate request is cancelled."))
    return redirect("certificate_detail", public_id=certificate.public_id)
