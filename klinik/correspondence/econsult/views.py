"""The patient-message screens ("Patientbeskeder", e-konsultation): the open messages, a
patient's messages with their self-service link, and one message — triaged by the secretary,
answered by the clinician, or made a renewal request. Thin: parse → service → page."""

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
from klinik.correspondence.econsult.access import access_patient_message
from klinik.correspondence.econsult.choices import OPEN_MESSAGE_STATUSES, PatientMessageStatus
from klinik.correspondence.econsult.forms import AnswerForm, TriageForm
from klinik.correspondence.econsult.selectors import patient_message_list, patient_messages
from klinik.correspondence.econsult.services import (
    clinicians_for,
    patient_message_answer,
    patient_message_to_renewal,
    patient_message_triage,
)
from klinik.correspondence.selfservice.links import selfservice_link
from klinik.patients.access import access_patient


@requires(Perm.RECORD_READ)
@require_GET
def patient_message_list_view(request: ActorRequest) -> HttpResponse:
    closed = request.GET.get("closed") == "1"
    return render(
        request,
        "correspondence/econsult/list.html",
        {"items": patient_message_list(actor=request.actor, is_open=not closed), "closed": closed},
    )


@requires(Perm.RECORD_READ)
@require_GET
def patient_messages_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """The patient's messages and the self-service link to give them (by phone, or in a
    letter): behind it they ask for renewals, write, and read the answers."""
    patient = access_patient(actor=request.actor, public_id=public_id, channel=Channel.UI)
    return render(
        request,
        "correspondence/econsult/patient.html",
        {
            "patient": patient,
            "items": patient_messages(patient=patient),
            "link": selfservice_link(patient) if request.actor.can(Perm.RECORD_WRITE) else "",
        },
    )


@requires(Perm.RECORD_READ)
@require_http_methods(["GET", "POST"])
def patient_message_detail_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    """One message; POST `triage` gives it to a clinician, POST `answer` answers it."""
    actor = request.actor
    posting = request.method == "POST"
    message = access_patient_message(actor=actor, public_id=public_id, for_update=posting)
    clinicians = {str(u.pk): u for u in clinicians_for(organisation_id=message.organisation_id)}
    choices = [(key, u.get_full_name() or u.get_username()) for key, u in clinicians.items()]
    triage_form = TriageForm(
        request.POST if posting and "triage" in request.POST else None,
        clinicians=choices,
        initial={"clinician": str(message.assigned_to_id or "")},
    )
    answer_form = AnswerForm(request.POST if posting and "answer_send" in request.POST else None)
    if posting and "triage" in request.POST and triage_form.is_valid():
        try:
            patient_message_triage(
                actor=actor,
                message=message,
                clinician=clinicians.get(triage_form.cleaned_data["clinician"]),
            )
        except DomainError as exc:
            form_error_add(triage_form, exc)
        else:
            messages.success(request, _("The message is given to the clinician."))
            return redirect("patient_message_detail", public_id=message.public_id)
    if posting and "answer_send" in request.POST and answer_form.is_valid():
        try:
            patient_message_answer(
                actor=actor, message=message, answer=answer_form.cleaned_data["answer"]
            )
        except DomainError as exc:
            form_error_add(answer_form, exc)
        else:
            messages.success(request, _("The answer is sent and kept in the record."))
            return redirect("patient_message_detail", public_id=message.public_id)
    is_open = message.status in OPEN_MESSAGE_STATUSES
    can_write = actor.can(Perm.RECORD_WRITE)
    return render(
        request,
        "correspondence/econsult/detail.html",
        {
            "item": message,
            "triage_form": triage_form,
            "answer_form": answer_form,
            "can_triage": can_write and is_open,
            "can_answer": can_write
            and is_open
            and (actor.can(Perm.RECORD_SIGN) or message.assigned_to_id == actor.user.pk),
            "is_new": message.status == PatientMessageStatus.NEW,
        },
        status=422 if posting else 200,
    )


@requires(Perm.RECORD_WRITE)
@require_POST
def patient_message_renewal_view(request: ActorRequest, public_id: uuid.UUID) -> HttpResponse:
    message = access_patient_message(actor=request.actor, public_id=public_id, for_update=True)
    try:
        renewal = patient_message_to_renewal(actor=request.actor, message=message)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("patient_message_detail", public_id=message.public_id)
    messages.success(request, _("The message is now a renewal request. Prepare it."))
    return redirect("renewal_detail", public_id=renewal.public_id)
