"""When the database is away: a calm 503 instead of a crash, and back to work when it returns.

Pages answer a Danish "cannot reach the database" page, `/api/` and `/fhir/` a JSON 503
(`{"detail", "code": "database_unavailable"}`), both with Retry-After. Nothing is cached: each
request connects again (or health-checks its kept connection, CONN_HEALTH_CHECKS), so the
first request after the database returns is served as usual, without a restart.

Three doors, because Django turns an exception into a 500 at the layer that raised it:
- `DatabaseOutageMiddleware` connects before anything else touches the database (sessions,
  the actor, the API token), so an outage at the start of a request never reaches the views;
- its `process_exception` catches an outage in a view (the API's too, which re-raises what it
  has no handler for);
- `outage_response_for_current_exception`, called by the 500 handler, catches one in later
  middleware (saving the session).
Each logs one line, no traceback: an outage is a state of the world, not a bug.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation

from klinik.core.db import database_error_summary, database_unavailable

logger = logging.getLogger("klinik.outage")

RETRY_AFTER_SECONDS = 15
UNAVAILABLE_CODE = "database_unavailable"
# Danish unless the client asks for English (as the API's other messages).
UNAVAILABLE_DETAIL = {
    "da": "Klinik kan ikke nå databasen lige nu. Prøv igen om lidt.",
    "en": "Klinik cannot reach its database right now. Try again in a moment.",
}
_JSON_PREFIXES = ("/api/", "/fhir/")
# /healthz reports the database itself; static files need none.
_UNCHECKED_PREFIXES = ("/healthz", "/static/")


def database_unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 for `request`, logged as one line."""
    logger.warning(
        "Database unavailable: %s %s answered 503 (%s)",
        request.method,
        request.path,
        database_error_summary(exc),
        extra={"status_code": 503},
    )
    response: HttpResponse
    if request.path.startswith(_JSON_PREFIXES):
        language = translation.get_language_from_request(request)
        detail = UNAVAILABLE_DETAIL.get(language[:2], UNAVAILABLE_DETAIL["da"])
        response = JsonResponse({"detail": detail, "code": UNAVAILABLE_CODE}, status=503)
    else:
        # Rendered without the request: the context processors would ask the database.
        response = HttpResponse(render_to_string("503_database.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # type: ignore[attr-defined]  # (django.utils.log)
    return response


def outage_response_for_current_exception(request: HttpRequest) -> HttpResponse | None:
    """For the 500 handler: the 503 when the exception being handled is an outage."""
    exc = sys.exc_info()[1]
    if exc is None or not database_unavailable(exc):
        return None
    return database_unavailable_response(request, exc)


def database_connect() -> None:
    """What the request's first query would do anyway: health-check a kept connection
    (dropping it when it died), then connect when there is none."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()


class DatabaseOutageMiddleware:
    """Answer 503 while the database cannot be reached (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(_UNCHECKED_PREFIXES):
            try:
                database_connect()
            except Exception as exc:
                if not database_unavailable(exc):
                    raise
                return database_unavailable_response(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if database_unavailable(exception):
            return database_unavailable_response(request, exception)
        return None
