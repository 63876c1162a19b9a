"""Under /api/ every error is JSON with `detail` and `code`: also the ones Django or ninja
answer by themselves (no such route, a method not allowed, a server error)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith("/api/")
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        status = response.status_code
        json = JsonResponse(
            {"detail": response.reason_phrase, "code": CODES.get(status, "error")}, status=status
        )
        for header in (
            "Allow",
            "Cache-Control",
            "Permissions-Policy",
            "Retry-After",
            "WWW-Authenticate",
        ):
            if header in response:
                json[header] = response[header]
        return json
