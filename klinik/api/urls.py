"""The REST API under /api/v1/: parse, call a service or selector, serialise. No rules here."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from klinik.api import core, patients, records, records_clinical, scheduling, terminology
from klinik.api.auth import TokenAuth
from klinik.core.errors import DomainError
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


@api.exception_handler(DomainError)
def _refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """Every refusal of the domain: the error's own body and status. A refused booking also
    offers the next free times."""
    body = exc.api_body()
    if isinstance(exc, BookingError):
        from klinik.api.scheduling import slot_out

        body["alternatives"] = [slot_out(slot).dict() for slot in exc.alternatives]
    return api.create_response(request, body, status=exc.http_status)
