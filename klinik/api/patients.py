import uuid
from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema

from klinik.audit.choices import Channel
from klinik.patients.access import access_patient, patient_break_glass

router = Router(tags=["patients"])


class PatientOut(Schema):
    id: uuid.UUID
    cpr: str
    given_name: str
    family_name: str
    birth_date: date


class BreakGlassIn(Schema):
    reason: str


def _out(patient: object) -> PatientOut:
    return PatientOut(
        id=patient.public_id,
        cpr=patient.cpr,
        given_name=patient.given_name,
        family_name=patient.family_name,
        birth_date=patient.birth_date,
    )


@router.get("/patients/{patient_id}", response=PatientOut, summary="One patient")
def patient_get(request: HttpRequest, patient_id: uuid.UUID) -> PatientOut:
    return _out(access_patient(actor=request.auth, public_id=patient_id, channel=Channel.API))


@router.post(
    "/patients/{patient_id}/break-glass",
    response={201: PatientOut},
    summary="Emergency access outside the care relation (logged and reviewed)",
)
def patient_break_glass_endpoint(
    request: HttpRequest, patient_id: uuid.UUID, payload: BreakGlassIn
) -> tuple[int, PatientOut]:
    patient_break_glass(
        actor=request.auth, public_id=patient_id, reason=payload.reason, channel=Channel.API
    )
    return 201, _out(access_patient(actor=request.auth, public_id=patient_id, channel=Channel.API))
