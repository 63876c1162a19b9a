"""The REST API under /api/v1/: parse, call a service or selector, serialise. No rules here."""

from collections.abc import Sequence
from decimal import InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from klinik.api import (
    billing,
    core,
    lpr3,
    lpr3_report,
    messages,
    pathways,
    patients,
    records,
    records_coding,
    records_documents,
    records_observations,
    renewals,
    resources,
    scheduling,
    staff,
    stock,
    tasks,
    terminology,
    waitlist,
    worklist,
)
from klinik.api.auth import TokenAuth
from klinik.api.middleware import CODES
from klinik.api.rendering import FastJSONRenderer
from klinik.core.errors import DomainError
from klinik.scheduling.errors import BookingError, SeriesError

api = NinjaAPI(
    title="Klinik API",
    version="1",
    description="REST API of Klinik. Authenticate with `Authorization: Bearer <token>` "
    "(`klinik token create --user USERNAME --org SLUG`).",
    auth=TokenAuth(),
    urls_namespace="api",
    renderer=FastJSONRenderer(),
)
api.add_router("", core.router)
api.add_router("", patients.router)
api.add_router("", scheduling.router)
api.add_router("", resources.router)
api.add_router("", terminology.router)
api.add_router("", records.router)
api.add_router("", records_coding.router)
api.add_router("", records_observations.router)
api.add_router("", records_documents.router)
api.add_router("", waitlist.router)
api.add_router("", pathways.router)
api.add_router("", worklist.router)
api.add_router("", tasks.router)
api.add_router("", billing.router)
api.add_router("", stock.router)
api.add_router("", messages.router)
api.add_router("", staff.router)
api.add_router("", renewals.router)
api.add_router("", lpr3.router)
api.add_router("", lpr3_report.router)


# Every API error is JSON with `detail` (a sentence, naming the field first) and `code`.


def _field(loc: Sequence[int | str]) -> str:
    """("body", "payload", "given_on") -> "given_on"; ("query", "limit") -> "limit"."""
    parts = [str(part) for part in loc[1:]]
    if loc and loc[0] == "body" and len(parts) > 1:
        parts = parts[1:]  # the body's parameter name (`payload`) says nothing to the client
    return ".".join(parts)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Input the schema refuses: the first problem as the detail, all of them listed."""
    errors = [
        {"field": _field(error.get("loc", ())), "message": error.get("msg", "")}
        for error in exc.errors
    ]
    first = errors[0] if errors else {"field": "", "message": "invalid input"}
    detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    body = {"detail": detail, "code": "invalid", "field": first["field"], "errors": errors}
    return api.create_response(request, body, status=422)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    """Missing and not-yours alike (the access functions give the same 404)."""
    return api.create_response(request, {"detail": "Not Found", "code": "not_found"}, status=404)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = CODES.get(exc.status_code, "error")
    return api.create_response(request, {"detail": str(exc), "code": code}, status=exc.status_code)


@api.exception_handler(MultiPartParserError)
def _bad_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    body = {"detail": "the request body could not be read", "code": "bad_request"}
    return api.create_response(request, body, status=400)


@api.exception_handler(OverflowError)
@api.exception_handler(InvalidOperation)
@api.exception_handler(DataError)
def _out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A value past what dates, decimals or the database hold (the schemas bound most input;
    this catches what slips through as a 422 instead of a 500)."""
    return api.create_response(
        request, {"detail": "a value is out of range", "code": "out_of_range"}, status=422
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Your role does not allow this.", "code": "forbidden"}, status=403
    )


@api.exception_handler(DomainError)
def _refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """Every refusal of the domain: the error's own body and status. A refused booking also
    offers the next free times."""
    body = exc.api_body()
    if isinstance(exc, BookingError):
        from klinik.api.scheduling import slot_out

        body["alternatives"] = [slot_out(slot).model_dump() for slot in exc.alternatives]
    if isinstance(exc, SeriesError):
        from klinik.api.scheduling import conflict_out

        body["appointments"] = []
        body["conflicts"] = [conflict_out(c).model_dump() for c in exc.conflicts]
    return api.create_response(request, body, status=exc.http_status)
