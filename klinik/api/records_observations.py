"""REST endpoints of a patient's measurements and vaccinations. Parse, call a service or
selector, serialise.

Reads go through records.access, writes through the services (both logged). A refusal answers
{"detail": "<field>: <message>", "code", "field"}: 422 for bad input (an implausible value, a
vaccination without a batch number).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from django.http import JsonResponse
from ninja import Field, Router, Schema

from klinik.api.records_common import LIST_LIMIT, contact_of, patient_of, person_name
from klinik.api.types import ApiDate, ApiDateTime, ApiNumber, Out
from klinik.audit.choices import Channel
from klinik.core.http import ApiRequest
from klinik.core.models import User
from klinik.core.policy import Perm
from klinik.records.clinical.plausibility import UNITS
from klinik.records.clinical.selectors import measurements_with_bmi, patient_vaccinations
from klinik.records.clinical.services import measurement_record, vaccination_record
from klinik.records.models import Measurement, Vaccination

router = Router(tags=["records"])


# Measurements ------------------------------------------------------------------------------------


class MeasurementIn(Schema):
    kind: str = Field(description="height, weight, blood_pressure, pulse, temperature, waist")
    value: ApiNumber | str = Field(description="cm, kg, mmHg (systolic), /min, °C")
    value2: ApiNumber | str | None = Field(None, description="diastolic (blood pressure only)")
    measured_at: ApiDateTime | None = Field(
        None, description="default now; not in the future; local time if naive"
    )
    contact: uuid.UUID | None = None


class MeasurementOut(Out):
    id: uuid.UUID
    kind: str
    value: Decimal
    value2: Decimal | None
    unit: str
    measured_at: datetime
    recorded_by: str | None
    bmi: Decimal | None = Field(None, description="weights: computed, never stored")
    entered_in_error: bool
    error_reason: str


def measurement_out(row: Measurement, bmi: Decimal | None = None) -> MeasurementOut:
    return MeasurementOut(
        id=row.public_id,
        kind=row.kind,
        value=row.value,
        value2=row.value2,
        unit=UNITS.get(row.kind, ""),
        measured_at=row.measured_at,
        recorded_by=person_name(row.recorded_by),
        bmi=bmi,
        entered_in_error=row.error_at is not None,
        error_reason=row.error_reason,
    )


@router.get(
    "/patients/{patient_id}/measurements",
    response=list[MeasurementOut],
    summary="A patient's measurements, newest first",
)
def measurements_list(request: ApiRequest, patient_id: uuid.UUID) -> list[MeasurementOut]:
    patient = patient_of(request, patient_id, perm=Perm.RECORD_READ, object_type="measurement")
    rows = measurements_with_bmi(patient=patient, limit=LIST_LIMIT)
    return [measurement_out(row, row.bmi) for row in rows]


@router.post(
    "/patients/{patient_id}/measurements",
    response={201: MeasurementOut},
    summary="Record a measurement",
    description="Implausible values are refused with 422 naming the field (`value`, `value2`) "
    "and the accepted range, e.g. weight 0.3-350 kg; the diastolic pressure must be below "
    "the systolic.",
)
def measurements_create(
    request: ApiRequest, patient_id: uuid.UUID, payload: MeasurementIn
) -> tuple[int, MeasurementOut] | JsonResponse:
    patient = patient_of(request, patient_id, perm=Perm.RECORD_WRITE, object_type="measurement")
    row = measurement_record(
        actor=request.auth,
        patient=patient,
        kind=payload.kind,
        value=payload.value,
        value2=payload.value2,
        measured_at=payload.measured_at,
        contact=contact_of(request, patient, payload.contact),
        channel=Channel.API,
    )
    return 201, measurement_out(row)


# Vaccinations ------------------------------------------------------------------------------------


class VaccinationIn(Schema):
    vaccine: str
    batch_number: str = Field(description="batch/lot number; required")
    dose: str = Field(description="e.g. 0,5 ml")
    site: str = Field(description="left_deltoid, right_deltoid, left_thigh, right_thigh, oral …")
    given_on: ApiDate = Field(description="not in the future")
    atc_code: str = ""
    given_by: uuid.UUID | None = Field(
        None, description="the vaccinator's user id (default: the caller)"
    )
    contact: uuid.UUID | None = None


class VaccinationOut(Out):
    id: uuid.UUID
    vaccine: str
    atc_code: str
    batch_number: str
    dose: str
    site: str
    given_on: date
    given_by: str | None
    reported_at: datetime | None
    entered_in_error: bool
    error_reason: str


def vaccination_out(row: Vaccination) -> VaccinationOut:
    return VaccinationOut(
        id=row.public_id,
        vaccine=row.vaccine,
        atc_code=row.atc_code,
        batch_number=row.batch_number,
        dose=row.dose,
        site=row.site,
        given_on=row.given_on,
        given_by=person_name(row.given_by),
        reported_at=row.reported_at,
        entered_in_error=row.error_at is not None,
        error_reason=row.error_reason,
    )


@router.get(
    "/patients/{patient_id}/vaccinations",
    response=list[VaccinationOut],
    summary="A patient's vaccinations, newest first",
)
def vaccinations_list(request: ApiRequest, patient_id: uuid.UUID) -> list[VaccinationOut]:
    patient = patient_of(request, patient_id, perm=Perm.RECORD_READ, object_type="vaccination")
    return [vaccination_out(row) for row in patient_vaccinations(patient=patient)[:LIST_LIMIT]]


@router.post(
    "/patients/{patient_id}/vaccinations",
    response={201: VaccinationOut},
    summary="Record a vaccination",
    description="422 names the field: an empty `batch_number`, a `given_on` in the future, "
    "a `given_by` who is not on the organisation's staff.",
)
def vaccinations_create(
    request: ApiRequest, patient_id: uuid.UUID, payload: VaccinationIn
) -> tuple[int, VaccinationOut] | JsonResponse:
    patient = patient_of(request, patient_id, perm=Perm.RECORD_WRITE, object_type="vaccination")
    given_by = (
        request.auth.user
        if payload.given_by is None
        else User.objects.filter(public_id=payload.given_by).first()
    )
    row = vaccination_record(
        actor=request.auth,
        patient=patient,
        vaccine=payload.vaccine,
        atc_code=payload.atc_code,
        batch_number=payload.batch_number,
        dose=payload.dose,
        site=payload.site,
        given_on=payload.given_on,
        given_by=given_by,
        contact=contact_of(request, patient, payload.contact),
        channel=Channel.API,
    )
    return 201, vaccination_out(row)
