"""REST endpoints of the record's coding: the diagnoses coded on a patient's contacts and the
CAVE and allergy warnings. Parse, call a service or selector, serialise.

Reads go through records.access, writes through the services (both logged). A refusal answers
{"detail": "<field>: <message>", "code", "field"}: 422 for bad input (an unknown SKS code),
409 for a state conflict (a second main diagnosis without `replace_main`, a code already on
the contact).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.http import JsonResponse
from ninja import Field, Router, Schema

from klinik.api.records_common import LIST_LIMIT, contact_of, patient_of, person_name
from klinik.api.types import Out
from klinik.audit.choices import Channel
from klinik.core.http import ApiRequest
from klinik.core.policy import Perm
from klinik.records.choices import DiagnosisKind, WarningSeverity
from klinik.records.clinical.selectors import patient_diagnoses
from klinik.records.clinical.services import (
    CONTACT_OTHER_PATIENT,
    contact_diagnosis_add,
    warning_add,
)
from klinik.records.errors import RecordCode, RecordError
from klinik.records.header import patient_warnings
from klinik.records.models import ContactDiagnosis, PatientWarning

router = Router(tags=["records"])


# Diagnoses ---------------------------------------------------------------------------------------


class DiagnosisIn(Schema):
    contact: uuid.UUID = Field(description="the contact's id (GET /patients/{id}/contacts)")
    code: str = Field(description="SKS diagnosis code valid today, e.g. DJ069 (or J06.9)")
    kind: str = Field(DiagnosisKind.MAIN, description="main (aktionsdiagnose) or secondary")
    replace_main: bool = Field(
        False, description="replace an existing main diagnosis (it becomes secondary)"
    )


class DiagnosisOut(Out):
    contact: uuid.UUID
    code: str
    text: str
    kind: str
    recorded_at: datetime
    recorded_by: str | None
    removed_at: datetime | None
    removed_by: str | None


def diagnosis_out(row: ContactDiagnosis) -> DiagnosisOut:
    return DiagnosisOut(
        contact=row.contact.public_id,
        code=row.code,
        text=row.text,
        kind=row.kind,
        recorded_at=row.recorded_at,
        recorded_by=person_name(row.recorded_by),
        removed_at=row.removed_at,
        removed_by=person_name(row.removed_by),
    )


@router.get(
    "/patients/{patient_id}/diagnoses",
    response=list[DiagnosisOut],
    summary="Coded diagnoses of a patient's contacts",
)
def diagnoses_list(
    request: ApiRequest, patient_id: uuid.UUID, include_removed: bool = False
) -> list[DiagnosisOut]:
    patient = patient_of(request, patient_id, perm=Perm.RECORD_READ, object_type="diagnosis")
    rows = patient_diagnoses(patient=patient, include_removed=include_removed)
    return [diagnosis_out(row) for row in rows[:LIST_LIMIT]]


@router.post(
    "/patients/{patient_id}/diagnoses",
    response={201: DiagnosisOut},
    summary="Code a diagnosis on a contact",
    description="422 names the field (unknown or expired SKS code: `code`); 409 when the "
    "contact has a main diagnosis already (send `replace_main: true` to replace it) or the "
    "code is on the contact already.",
)
def diagnoses_create(
    request: ApiRequest, patient_id: uuid.UUID, payload: DiagnosisIn
) -> tuple[int, DiagnosisOut] | JsonResponse:
    contact = contact_of(request, None, payload.contact)
    if contact is None or contact.patient.public_id != patient_id:
        raise RecordError(CONTACT_OTHER_PATIENT, code=RecordCode.CONTACT_PATIENT, field="contact")
    row = contact_diagnosis_add(
        actor=request.auth,
        contact=contact,
        code=payload.code,
        kind=payload.kind,
        replace_main=payload.replace_main,
        channel=Channel.API,
    )
    return 201, diagnosis_out(row)


# Warnings ----------------------------------------------------------------------------------------


class WarningIn(Schema):
    kind: str = Field(description="cave, allergy or other")
    text: str = Field(description="e.g. penicillin")
    severity: str = Field(WarningSeverity.HIGH, description="low, high, life_threatening")
    code: str = Field("", description="ATC code (optional)")
    note: str = ""


class WarningOut(Out):
    id: uuid.UUID
    kind: str
    text: str
    code: str
    severity: str
    note: str
    recorded_at: datetime
    recorded_by: str | None
    is_active: bool
    inactivated_at: datetime | None
    inactivation_reason: str


def warning_out(row: PatientWarning) -> WarningOut:
    return WarningOut(
        id=row.public_id,
        kind=row.kind,
        text=row.text,
        code=row.code,
        severity=row.severity,
        note=row.note,
        recorded_at=row.recorded_at,
        recorded_by=person_name(row.recorded_by),
        is_active=row.is_active,
        inactivated_at=row.inactivated_at,
        inactivation_reason=row.inactivation_reason,
    )


@router.get(
    "/patients/{patient_id}/warnings",
    response=list[WarningOut],
    summary="CAVE and allergy warnings of a patient, most severe first",
)
def warnings_list(
    request: ApiRequest, patient_id: uuid.UUID, active_only: bool = True
) -> list[WarningOut]:
    patient = patient_of(request, patient_id, perm=Perm.RECORD_READ, object_type="warning")
    return [warning_out(row) for row in patient_warnings(patient=patient, active_only=active_only)]


@router.post(
    "/patients/{patient_id}/warnings",
    response={201: WarningOut},
    summary="Add a CAVE or allergy warning",
)
def warnings_create(
    request: ApiRequest, patient_id: uuid.UUID, payload: WarningIn
) -> tuple[int, WarningOut] | JsonResponse:
    patient = patient_of(request, patient_id, perm=Perm.RECORD_WRITE, object_type="warning")
    row = warning_add(
        actor=request.auth,
        patient=patient,
        kind=payload.kind,
        text=payload.text,
        severity=payload.severity,
        code=payload.code,
        note=payload.note,
        channel=Channel.API,
    )
    return 201, warning_out(row)
