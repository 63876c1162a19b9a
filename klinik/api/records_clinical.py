"""REST endpoints of the record. Parse, call a service or selector, serialise.

Clinical part: coded diagnoses, measurements, vaccinations and warnings of a patient. Reads go
through records.access, writes through the services (both logged). A refusal answers
{"detail": "<field>: <message>", "code", "field"}: 422 for bad input (an unknown SKS code,
an implausible value), 409 for a state conflict (a second main diagnosis without
`replace_main`, a code already on the contact).

Documents and dictations (the section at the end): multipart uploads, logged reads, the file
with byte ranges, and the dictation queue.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponseBase, JsonResponse
from django.utils import timezone
from ninja import Field, File, Form, Router, Schema, UploadedFile

from klinik.api.types import ApiDate, ApiDateTime, ApiNumber
from klinik.audit.choices import Channel
from klinik.core.http import ApiRequest
from klinik.core.models import Unit, User
from klinik.core.policy import Perm, require
from klinik.patients.models import Patient
from klinik.records.access import (
    access_record,
    contact_for_write,
    dictation_access,
    document_access,
)
from klinik.records.choices import (
    DiagnosisKind,
    DictationPriority,
    DictationStatus,
    WarningSeverity,
)
from klinik.records.clinical.plausibility import UNITS
from klinik.records.clinical.selectors import (
    measurements_with_bmi,
    patient_diagnoses,
    patient_vaccinations,
)
from klinik.records.clinical.services import (
    CONTACT_OTHER_PATIENT,
    contact_diagnosis_add,
    measurement_record,
    vaccination_record,
    warning_add,
)
from klinik.records.dictation.selectors import OPEN_STATUSES, dictation_queue
from klinik.records.dictation.services import dictation_create
from klinik.records.documents.services import document_upload
from klinik.records.documents.serving import document_response
from klinik.records.errors import RecordError
from klinik.records.header import patient_warnings
from klinik.records.models import (
    Contact,
    ContactDiagnosis,
    Dictation,
    Document,
    Measurement,
    PatientWarning,
    Vaccination,
)

router = Router(tags=["records"])

LIST_LIMIT = 500


def _patient(
    request: ApiRequest, patient_id: uuid.UUID, *, perm: Perm, object_type: str
) -> Patient:
    return access_record(
        actor=request.auth,
        patient_public_id=patient_id,
        channel=Channel.API,
        perm=perm,
        object_type=object_type,
    )


def _contact(
    request: ApiRequest, patient: Patient | None, contact_id: uuid.UUID | None
) -> Contact | None:
    if contact_id is None:
        return None
    contact = contact_for_write(actor=request.auth, public_id=contact_id)
    if patient is not None and contact.patient_id != patient.pk:
        raise RecordError(CONTACT_OTHER_PATIENT, code="contact_patient", field="contact")
    return contact


def _person(user: User | None) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


# Diagnoses ---------------------------------------------------------------------------------------


class DiagnosisIn(Schema):
    contact: uuid.UUID = Field(description="the contact's id (GET /patients/{id}/contacts)")
    code: str = Field(description="SKS diagnosis code valid today, e.g. DJ069 (or J06.9)")
    kind: str = Field(DiagnosisKind.MAIN, description="main (aktionsdiagnose) or secondary")
    replace_main: bool = Field(
        False, description="replace an existing main diagnosis (it becomes secondary)"
    )


class DiagnosisOut(Schema):
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
        recorded_by=_person(row.recorded_by),
        removed_at=row.removed_at,
        removed_by=_person(row.removed_by),
    )


@router.get(
    "/patients/{patient_id}/diagnoses",
    response=list[DiagnosisOut],
    summary="Coded diagnoses of a patient's contacts",
)
def diagnoses_list(
    request: ApiRequest, patient_id: uuid.UUID, include_removed: bool = False
) -> list[DiagnosisOut]:
    patient = _patient(request, patient_id, perm=Perm.RECORD_READ, object_type="diagnosis")
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
    contact = _contact(request, None, payload.contact)
    if contact is None or contact.patient.public_id != patient_id:
        raise RecordError(CONTACT_OTHER_PATIENT, code="contact_patient", field="contact")
    row = contact_diagnosis_add(
        actor=request.auth,
        contact=contact,
        code=payload.code,
        kind=payload.kind,
        replace_main=payload.replace_main,
        channel=Channel.API,
    )
    return 201, diagnosis_out(row)


# Measurements ------------------------------------------------------------------------------------


class MeasurementIn(Schema):
    kind: str = Field(description="height, weight, blood_pressure, pulse, temperature, waist")
    value: ApiNumber | str = Field(description="cm, kg, mmHg (systolic), /min, °C")
    value2: ApiNumber | str | None = Field(None, description="diastolic (blood pressure only)")
    measured_at: ApiDateTime | None = Field(
        None, description="default now; not in the future; local time if naive"
    )
    contact: uuid.UUID | None = None


class MeasurementOut(Schema):
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
        recorded_by=_person(row.recorded_by),
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
    patient = _patient(request, patient_id, perm=Perm.RECORD_READ, object_type="measurement")
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
    patient = _patient(request, patient_id, perm=Perm.RECORD_WRITE, object_type="measurement")
    row = measurement_record(
        actor=request.auth,
        patient=patient,
        kind=payload.kind,
        value=payload.value,
        value2=payload.value2,
        measured_at=payload.measured_at,
        contact=_contact(request, patient, payload.contact),
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


class VaccinationOut(Schema):
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
        given_by=_person(row.given_by),
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
    patient = _patient(request, patient_id, perm=Perm.RECORD_READ, object_type="vaccination")
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
    patient = _patient(request, patient_id, perm=Perm.RECORD_WRITE, object_type="vaccination")
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
        contact=_contact(request, patient, payload.contact),
        channel=Channel.API,
    )
    return 201, vaccination_out(row)


# Warnings ----------------------------------------------------------------------------------------


class WarningIn(Schema):
    kind: str = Field(description="cave, allergy or other")
    text: str = Field(description="e.g. penicillin")
    severity: str = Field(WarningSeverity.HIGH, description="low, high, life_threatening")
    code: str = Field("", description="ATC code (optional)")
    note: str = ""


class WarningOut(Schema):
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
        recorded_by=_person(row.recorded_by),
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
    patient = _patient(request, patient_id, perm=Perm.RECORD_READ, object_type="warning")
    return [warning_out(row) for row in patient_warnings(patient=patient, active_only=active_only)]


@router.post(
    "/patients/{patient_id}/warnings",
    response={201: WarningOut},
    summary="Add a CAVE or allergy warning",
)
def warnings_create(
    request: ApiRequest, patient_id: uuid.UUID, payload: WarningIn
) -> tuple[int, WarningOut] | JsonResponse:
    patient = _patient(request, patient_id, perm=Perm.RECORD_WRITE, object_type="warning")
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


# Documents and dictations ------------------------------------------------------------------------
# Uploads are multipart. A refused file answers 413 (too large), 415 (not a kind Klinik
# stores: the content is sniffed, the name and declared type are ignored) or 422 (damaged, a
# PDF with JavaScript, an image bomb), with {"detail", "code", "field"}; nothing is stored.
# Queue conflicts (taken by someone else, no longer open) answer 409 (records/errors.py).


class DocumentOut(Schema):
    id: uuid.UUID
    patient: uuid.UUID
    kind: str = Field(description="pdf, image or audio")
    title: str
    content_type: str = Field(description="from the sniffed content, never the upload's claim")
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str | None
    content_url: str = Field(description="GET: the file (Range requests answer 206)")


def document_out(row: Document) -> DocumentOut:
    return DocumentOut(
        id=row.public_id,
        patient=row.patient.public_id,
        kind=row.kind,
        title=row.title,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        uploaded_at=row.uploaded_at,
        uploaded_by=_person(row.uploaded_by),
        content_url=f"/api/v1/documents/{row.public_id}/content",
    )


@router.post(
    "/patients/{patient_id}/documents",
    response={201: DocumentOut},
    summary="Attach a PDF, JPEG or PNG to a patient's record (multipart: file, title)",
    description="413 above the size limit (KLINIK_DOCUMENT_MAX_MB), 415 for anything that is "
    "not a PDF, JPEG or PNG by its content, 422 for a damaged file, a PDF carrying JavaScript "
    "or an image with too many pixels. Nothing is stored when refused.",
)
def documents_create(
    request: ApiRequest,
    patient_id: uuid.UUID,
    file: File[UploadedFile],
    title: Form[str] = "",
) -> tuple[int, DocumentOut] | JsonResponse:
    patient = _patient(request, patient_id, perm=Perm.RECORD_WRITE, object_type="documents")
    row = document_upload(
        actor=request.auth, patient=patient, upload=file, title=title, channel=Channel.API
    )
    return 201, document_out(row)


@router.get(
    "/documents/{document_id}",
    response=DocumentOut,
    summary="A document's metadata (the read is logged)",
)
def documents_read(request: ApiRequest, document_id: uuid.UUID) -> DocumentOut:
    row = document_access(actor=request.auth, public_id=document_id, channel=Channel.API)
    return document_out(row)


@router.get(
    "/documents/{document_id}/content",
    summary="A document's file (logged; Range requests answer 206)",
    description="Served with its stored content type, Content-Disposition (`?download=1`: "
    "attachment), X-Content-Type-Options: nosniff and a sandboxing Content-Security-Policy.",
)
def documents_content(
    request: ApiRequest, document_id: uuid.UUID, download: bool = False
) -> HttpResponseBase:
    row = document_access(actor=request.auth, public_id=document_id, channel=Channel.API)
    return document_response(
        document=row, download=download, range_header=request.headers.get("Range", "")
    )


class DictationOut(Schema):
    id: uuid.UUID
    patient: uuid.UUID
    unit: uuid.UUID
    author: str | None = Field(description="the dictating clinician, who signs the transcript")
    priority: str = Field(description="urgent, normal or low")
    deadline: datetime
    status: str = Field(description="waiting, in_progress, for_signing, done or cancelled")
    is_overdue: bool
    instructions: str
    audio: uuid.UUID | None = Field(None, description="a document id (GET …/content streams it)")
    duration_seconds: int | None
    taken_by: str | None
    taken_at: datetime | None
    entry: uuid.UUID | None = Field(None, description="the journal entry sent for signing")
    created_at: datetime
    completed_at: datetime | None
    cancel_reason: str


class DictationDetailOut(DictationOut):
    text: str = Field(description="the typed draft, then the transcript in progress")


def dictation_out(row: Dictation, *, with_text: bool = False) -> DictationOut:
    out = DictationOut(
        id=row.public_id,
        patient=row.patient.public_id,
        unit=row.unit.public_id,
        author=_person(row.author),
        priority=row.priority,
        deadline=row.deadline,
        status=row.status,
        is_overdue=row.status in OPEN_STATUSES and row.deadline < timezone.now(),
        instructions=row.instructions,
        audio=row.audio.public_id if row.audio is not None else None,
        duration_seconds=row.duration_seconds,
        taken_by=_person(row.taken_by),
        taken_at=row.taken_at,
        entry=row.entry.public_id if row.entry is not None else None,
        created_at=row.created_at,
        completed_at=row.completed_at,
        cancel_reason=row.cancel_reason,
    )
    if with_text:
        return DictationDetailOut(**out.model_dump(), text=row.text)
    return out


@router.get(
    "/dictations",
    response=list[DictationOut],
    summary="The dictation queue: urgent first, then by deadline",
    description="`unit`: a unit id of your organisation (default: your unit; `all`: every "
    "unit). `status`: waiting, in_progress, for_signing, done, cancelled (default: waiting "
    "and in_progress). Ids only; GET /dictations/{id} reads one with its text (logged).",
)
def dictations_list(
    request: ApiRequest, unit: str | None = None, status: str | None = None
) -> list[DictationOut] | JsonResponse:
    actor = require(request.auth, Perm.RECORD_WRITE)
    if status and status not in DictationStatus.values:
        return JsonResponse(
            {"detail": "status: unknown status", "code": "status_unknown", "field": "status"},
            status=422,
        )
    unit_ids: list[int] | None = None
    if unit == "all":
        unit_ids = []
    elif unit:
        try:
            key = uuid.UUID(unit)
        except ValueError:
            key = None
        found = (
            list(
                Unit.objects.filter(
                    public_id=key, organisation_id__in=actor.organisation_ids
                ).values_list("pk", flat=True)
            )
            if key is not None
            else []
        )
        if not found:
            return JsonResponse(
                {"detail": "unit: unknown unit", "code": "unit_unknown", "field": "unit"},
                status=422,
            )
        unit_ids = found
    rows = dictation_queue(
        actor=actor,
        unit_ids=unit_ids,
        statuses=[status] if status else None,
        channel=Channel.API,
    )
    return [dictation_out(row) for row in rows]


@router.get(
    "/dictations/{dictation_id}",
    response=DictationDetailOut,
    summary="One dictation with its draft or transcript (the read is logged)",
)
def dictations_read(request: ApiRequest, dictation_id: uuid.UUID) -> DictationOut:
    row = dictation_access(actor=request.auth, public_id=dictation_id, channel=Channel.API)
    return dictation_out(row, with_text=True)


@router.post(
    "/patients/{patient_id}/dictations",
    response={201: DictationDetailOut},
    summary="Dictate for a patient (multipart: audio and/or text, priority, deadline, …)",
    description="For clinicians who sign entries. `audio`: WAV, MP3, Ogg/Opus, M4A/AAC or "
    "WebM (content-checked like documents; KLINIK_AUDIO_MAX_MB); `text`: a typed draft; at "
    "least one of them. `priority`: urgent, normal (default) or low; `deadline` defaults to "
    "4 hours, 2 or 5 working days.",
)
def dictations_create(
    request: ApiRequest,
    patient_id: uuid.UUID,
    audio: File[UploadedFile] = None,  # type: ignore[assignment]  # optional (ninja idiom)
    text: Form[str] = "",
    priority: Form[str] = DictationPriority.NORMAL,
    deadline: Form[ApiDateTime | None] = None,
    instructions: Form[str] = "",
) -> tuple[int, DictationOut] | JsonResponse:
    actor = require(request.auth, Perm.RECORD_SIGN)
    patient = _patient(request, patient_id, perm=Perm.RECORD_WRITE, object_type="dictation")
    row = dictation_create(
        actor=actor,
        patient=patient,
        audio=audio,
        text=text,
        priority=priority,
        deadline=deadline,
        instructions=instructions,
        channel=Channel.API,
    )
    return 201, dictation_out(row, with_text=True)
