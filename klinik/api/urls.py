"""The REST API under /api/v1/: parse, call a service or selector, serialise. No rules here."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from klinik.api import core, patients, records, records_clinical, scheduling, terminology
from klinik.api.auth import TokenAuth
from klinik.patients.errors import (
    BreakGlassReasonMissing,
    BreakGlassRequired,
    PatientDuplicate,
    PatientInvalid,
)
from klinik.records.errors import RecordError, RecordImmutable
from klinik.scheduling.errors import BookingError

api = NinjaAPI(
    title="Klinik API",
    version="1",
    description="REST API of Klinik. Authenticate with `Authorization: Bearer <token>` "
    "(`klinik token create --user USERNAME --org SLUG`).",
    auth=TokenAuth(),
    urls_namespace="api",
)
api.add_router("", core.router)
api.add_router("", patients.router)
api.add_router("", scheduling.router)
api.add_router("", terminology.router)
api.add_router("", records.router)
api.add_router("", records_clinical.router)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Your role does not allow this.", "code": "forbidden"}, status=403
    )


@api.exception_handler(BreakGlassRequired)
def _break_glass(request: HttpRequest, exc: BreakGlassRequired) -> HttpResponse:
    return api.create_response(
        request,
        {
            "detail": "No care relation to this patient; POST a reason to "
            "/patients/{id}/break-glass for logged emergency access.",
            "code": "break_glass_required",
        },
        status=403,
    )


@api.exception_handler(BreakGlassReasonMissing)
def _reason_missing(request: HttpRequest, exc: BreakGlassReasonMissing) -> HttpResponse:
    return api.create_response(
        request, {"detail": "reason: required", "code": "reason_required"}, status=422
    )


@api.exception_handler(PatientInvalid)
def _patient_invalid(request: HttpRequest, exc: PatientInvalid) -> HttpResponse:
    field, messages = next(iter(exc.errors.items()))
    return api.create_response(
        request,
        {
            "detail": f"{field}: {messages[0]}",
            "code": "invalid",
            "errors": [{"field": f, "message": m} for f, ms in exc.errors.items() for m in ms],
        },
        status=422,
    )


@api.exception_handler(PatientDuplicate)
def _patient_duplicate(request: HttpRequest, exc: PatientDuplicate) -> HttpResponse:
    return api.create_response(
        request,
        {
            "detail": f"cpr: {PatientDuplicate.MESSAGE}",
            "code": "duplicate",
            "field": "cpr",
            "existing": str(exc.existing_public_id),
        },
        status=409,
    )


@api.exception_handler(BookingError)
def _booking_refused(request: HttpRequest, exc: BookingError) -> HttpResponse:
    from klinik.api.scheduling import slot_out

    status = 409 if exc.code in {"taken", "group_full"} else 422
    return api.create_response(
        request,
        {
            "detail": exc.message,
            "code": exc.code,
            "alternatives": [slot_out(slot).dict() for slot in exc.alternatives],
        },
        status=status,
    )


@api.exception_handler(RecordError)
def _record_refused(request: HttpRequest, exc: RecordError) -> HttpResponse:
    """409 for a state conflict (already corrected/signed), 403 for an object rule, else 422;
    the body names the field: {"detail": "field: message", "code", "field"}."""
    return api.create_response(
        request, records.record_error_body(exc), status=records.record_error_status(exc)
    )


@api.exception_handler(RecordImmutable)
def _record_immutable(request: HttpRequest, exc: RecordImmutable) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(exc), "code": "immutable", "field": ""}, status=409
    )
