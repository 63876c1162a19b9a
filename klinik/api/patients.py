"""Patients over REST: register, one-box search, read, change. Rules live in the services."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.utils import timezone
from ninja import Body, Field, Router, Schema
from ninja.errors import HttpError

from klinik.api.types import Out
from klinik.audit.choices import Channel
from klinik.core.http import ApiRequest
from klinik.patients.access import access_patient, patient_break_glass
from klinik.patients.models import Patient
from klinik.patients.selectors import SEARCH_LIMIT, age_on, patient_search
from klinik.patients.services import EDITABLE_FIELDS, patient_register, patient_update

router = Router(tags=["patients"])


class PatientIn(Schema):
    cpr: str = Field(description="CPR number (with or without dash) or a replacement number")
    given_name: str
    family_name: str
    birth_date: date | None = Field(None, description="checked against the CPR number")
    sex: str | None = Field(None, description="female, male, other, unknown; default from CPR")
    address_line: str = ""
    postal_code: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""
    preferred_channel: str | None = None
    language: str | None = None
    needs_interpreter: bool = False
    gp_name: str = ""
    gp_provider_number: str = ""
    insurance_group: int | None = None
    consent_share_information: bool = False
    consent_sms: bool = False
    consent_email: bool = False
    is_address_protected: bool = False
    reception_note: str = ""


class PatientOut(Out):
    id: uuid.UUID
    cpr: str
    identifier_kind: str
    birth_date: date
    age: int
    sex: str
    given_name: str
    family_name: str
    address_line: str | None
    postal_code: str | None
    city: str | None
    phone: str
    email: str
    preferred_channel: str
    language: str
    needs_interpreter: bool
    gp_name: str
    gp_provider_number: str
    insurance_group: int
    consent_share_information: bool
    consent_sms: bool
    consent_email: bool
    is_address_protected: bool
    deceased_date: date | None
    reception_note: str
    is_restricted: bool
    status: str
    warnings: list[str] = []


class SearchHitOut(Out):
    id: uuid.UUID
    name: str
    cpr: str
    age: int
    sex: str
    unit: str
    is_address_protected: bool
    is_deceased: bool


class BreakGlassIn(Schema):
    reason: str


def patient_out(patient: Patient, warnings: list[str] | None = None) -> PatientOut:
    protected = patient.is_address_protected
    return PatientOut(
        id=patient.public_id,
        cpr=patient.cpr,
        identifier_kind=patient.identifier_kind,
        birth_date=patient.birth_date,
        age=age_on(patient.birth_date, timezone.localdate()),
        sex=patient.sex,
        given_name=patient.given_name,
        family_name=patient.family_name,
        # Name and address protection: the address is not handed out.
        address_line=None if protected else patient.address_line,
        postal_code=None if protected else patient.postal_code,
        city=None if protected else patient.city,
        phone=patient.phone,
        email=patient.email,
        preferred_channel=patient.preferred_channel,
        language=patient.language,
        needs_interpreter=patient.needs_interpreter,
        gp_name=patient.gp_name,
        gp_provider_number=patient.gp_provider_number,
        insurance_group=patient.insurance_group,
        consent_share_information=patient.consent_share_information,
        consent_sms=patient.consent_sms,
        consent_email=patient.consent_email,
        is_address_protected=protected,
        deceased_date=patient.deceased_date,
        reception_note=patient.reception_note,
        is_restricted=patient.is_restricted,
        status=patient.status,
        warnings=warnings or [],
    )


@router.post(
    "/patients",
    response={201: PatientOut},
    summary="Register a patient",
    description="422 names the invalid field; 409 when the CPR number is registered already. "
    "A similar patient (same birth date, similar name) is reported in `warnings`.",
)
def patient_create(request: ApiRequest, payload: PatientIn) -> tuple[int, PatientOut]:
    data = payload.dict(exclude_unset=True)
    extra = {
        k: v
        for k, v in data.items()
        if k not in {"cpr", "given_name", "family_name", "birth_date"} and v is not None
    }
    registration = patient_register(
        actor=request.auth,
        cpr=payload.cpr,
        given_name=payload.given_name,
        family_name=payload.family_name,
        birth_date=payload.birth_date,
        channel=Channel.API,
        **extra,
    )
    warnings = list(registration.warnings)
    warnings += [
        f"similar patient: {p.public_id} ({p.given_name} {p.family_name})"
        for p in registration.similar
    ]
    return 201, patient_out(registration.patient, warnings)


class SearchIn(Schema):
    q: str = Field(
        max_length=200,
        description="CPR with or without dash, its first six digits, a phone number, or names "
        "in any order and by prefix (æ/ae, ø/oe, å/aa match)",
    )
    limit: int = Field(SEARCH_LIMIT, ge=1, le=100)


def _search(request: ApiRequest, q: str, limit: int) -> list[SearchHitOut]:
    hits = patient_search(actor=request.auth, query=q, channel=Channel.API, limit=limit)
    return [
        SearchHitOut(
            id=h.public_id,
            name=h.name,
            cpr=h.cpr_display,
            age=h.age,
            sex=h.sex,
            unit=h.unit_name,
            is_address_protected=h.is_address_protected,
            is_deceased=h.is_deceased,
        )
        for h in hits
    ]


@router.post("/patients/search", response=list[SearchHitOut], summary="One-box patient search")
def patient_search_post(request: ApiRequest, payload: SearchIn) -> list[SearchHitOut]:
    """The search in the request's body: a CPR number or a name never stands in a URL, where
    proxies and server logs would keep it."""
    return _search(request, payload.q, payload.limit)


@router.get(
    "/patients",
    response=list[SearchHitOut],
    summary="One-box patient search (deprecated: POST /patients/search)",
    deprecated=True,
)
def patient_search_endpoint(
    request: ApiRequest, q: str = "", limit: int = SEARCH_LIMIT
) -> list[SearchHitOut]:
    """`q` as in `POST /patients/search`, which keeps it out of the URL: a query string is
    written to proxy and server logs."""
    if not 1 <= limit <= 100:
        raise HttpError(422, "limit: between 1 and 100")
    return _search(request, q, limit)


@router.get("/patients/{patient_id}", response=PatientOut, summary="One patient")
def patient_get(request: ApiRequest, patient_id: uuid.UUID) -> PatientOut:
    return patient_out(
        access_patient(actor=request.auth, public_id=patient_id, channel=Channel.API)
    )


@router.patch("/patients/{patient_id}", response=PatientOut, summary="Change a patient")
def patient_patch(
    request: ApiRequest,
    patient_id: uuid.UUID,
    payload: Body[dict[str, Any]],
) -> PatientOut:
    """Send only the fields to change (any of the editable fields); `reason` is kept with the
    change history. The CPR number is changed through the UI's change-number flow."""
    reason = str(payload.pop("reason", ""))
    patient = access_patient(actor=request.auth, public_id=patient_id, channel=Channel.API)
    unknown = sorted(set(payload) - set(EDITABLE_FIELDS))
    if unknown:
        raise HttpError(422, f"{unknown[0]}: cannot be changed here")
    return patient_out(
        patient_update(
            actor=request.auth, patient=patient, data=payload, reason=reason, channel=Channel.API
        )
    )


@router.post(
    "/patients/{patient_id}/break-glass",
    response={201: PatientOut},
    summary="Emergency access outside the care relation (logged and reviewed)",
)
def patient_break_glass_endpoint(
    request: ApiRequest, patient_id: uuid.UUID, payload: BreakGlassIn
) -> tuple[int, PatientOut]:
    patient_break_glass(
        actor=request.auth, public_id=patient_id, reason=payload.reason, channel=Channel.API
    )
    return 201, patient_out(
        access_patient(actor=request.auth, public_id=patient_id, channel=Channel.API)
    )
