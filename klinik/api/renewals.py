"""Prescription renewals over REST (issue 15 item 5): the open (or decided) renewals, register
a request, prepare it, approve or decline it. Approve and decline answer 403 to anyone but a
doctor (the permission `prescription.renew`): renewals are never delegated."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from klinik.api.types import ApiDate, Out
from klinik.audit.choices import Channel
from klinik.core.http import ApiRequest
from klinik.correspondence.models import Renewal
from klinik.correspondence.renewals.access import access_renewal
from klinik.correspondence.renewals.selectors import renewal_list
from klinik.correspondence.renewals.services import (
    doctors_for,
    renewal_approve,
    renewal_decline,
    renewal_prepare,
    renewal_register,
)
from klinik.patients.access import access_patient

router = Router(tags=["renewals"])


class RenewalOut(Out):
    id: uuid.UUID
    patient: uuid.UUID
    patient_name: str
    source: str
    status: str
    request_text: str
    medication: str
    dose: str
    pharmacy: str
    last_renewed_on: date | None
    doctor: str | None
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    created_at: datetime


def renewal_out(renewal: Renewal) -> RenewalOut:
    return RenewalOut(
        id=renewal.public_id,
        patient=renewal.patient.public_id,
        patient_name=renewal.patient.name,
        source=renewal.source,
        status=renewal.status,
        request_text=renewal.request_text,
        medication=renewal.medication,
        dose=renewal.dose,
        pharmacy=renewal.pharmacy,
        last_renewed_on=renewal.last_renewed_on,
        doctor=renewal.doctor.get_username() if renewal.doctor else None,
        decided_by=renewal.decided_by.get_username() if renewal.decided_by else None,
        decided_at=renewal.decided_at,
        decision_note=renewal.decision_note,
        created_at=renewal.created_at,
    )


@router.get("/renewals", response=list[RenewalOut], summary="Prescription renewals")
def renewals_list(request: ApiRequest, decided: bool = False) -> list[RenewalOut]:
    """The organisation's open renewals, oldest first (`decided=true`: the latest decided)."""
    rows = renewal_list(actor=request.auth, is_open=not decided, channel=Channel.API)
    return [renewal_out(r) for r in rows]


class RenewalIn(Schema):
    patient: uuid.UUID
    medication: str = Field(default="", max_length=200)
    request_text: str = Field(default="", max_length=1000)


@router.post(
    "/renewals", response={201: RenewalOut}, summary="Register a renewal request (by phone)"
)
def renewals_create(request: ApiRequest, payload: RenewalIn) -> tuple[int, RenewalOut]:
    patient = access_patient(
        actor=request.auth, public_id=payload.patient, channel=Channel.API, is_logged_by_caller=True
    )
    renewal = renewal_register(
        actor=request.auth,
        patient=patient,
        medication=payload.medication,
        request_text=payload.request_text,
        channel=Channel.API,
    )
    return 201, renewal_out(renewal)


class PrepareIn(Schema):
    medication: str = Field(..., max_length=200)
    dose: str = Field(..., max_length=200)
    pharmacy: str = Field(default="", max_length=200)
    last_renewed_on: ApiDate | None = None
    doctor: str = Field(..., max_length=150, description="the doctor's username")
    note: str = Field(default="", max_length=500)


@router.post("/renewals/{renewal_id}/prepare", response=RenewalOut, summary="Prepare a renewal")
def renewals_prepare(request: ApiRequest, renewal_id: uuid.UUID, payload: PrepareIn) -> RenewalOut:
    renewal = access_renewal(
        actor=request.auth, public_id=renewal_id, channel=Channel.API, for_update=True
    )
    doctors = {u.get_username(): u for u in doctors_for(organisation_id=renewal.organisation_id)}
    prepared = renewal_prepare(
        actor=request.auth,
        renewal=renewal,
        medication=payload.medication,
        dose=payload.dose,
        pharmacy=payload.pharmacy,
        last_renewed_on=payload.last_renewed_on,
        doctor=doctors.get(payload.doctor),
        note=payload.note,
        channel=Channel.API,
    )
    return renewal_out(_fresh(prepared))


class DecisionIn(Schema):
    note: str = Field(default="", max_length=500)


@router.post(
    "/renewals/{renewal_id}/approve",
    response=RenewalOut,
    summary="Approve a renewal (doctors only): renewed in FMK, the patient told",
)
def renewals_approve(request: ApiRequest, renewal_id: uuid.UUID, payload: DecisionIn) -> RenewalOut:
    renewal = access_renewal(
        actor=request.auth, public_id=renewal_id, channel=Channel.API, for_update=True
    )
    approved = renewal_approve(
        actor=request.auth, renewal=renewal, note=payload.note, channel=Channel.API
    )
    return renewal_out(_fresh(approved))


@router.post(
    "/renewals/{renewal_id}/decline",
    response=RenewalOut,
    summary="Decline a renewal (doctors only; `note` required)",
)
def renewals_decline(request: ApiRequest, renewal_id: uuid.UUID, payload: DecisionIn) -> RenewalOut:
    renewal = access_renewal(
        actor=request.auth, public_id=renewal_id, channel=Channel.API, for_update=True
    )
    declined = renewal_decline(
        actor=request.auth, renewal=renewal, note=payload.note, channel=Channel.API
    )
    return renewal_out(_fresh(declined))


def _fresh(renewal: Renewal) -> Renewal:
    found: Renewal = get_object_or_404(
        Renewal.objects.select_related("patient", "doctor", "decided_by"), pk=renewal.pk
    )
    return found
