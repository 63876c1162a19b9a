"""Per-request session rules: idle timeout, second factor, and resolving the actor."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from klinik.core.http import PublicRequest
from klinik.core.selectors import user_memberships
from klinik.core.services import actor_from_membership, user_needs_second_factor

SESSION_LAST_ACTIVITY = "klinik_last_activity"
SESSION_MEMBERSHIP = "klinik_membership"
SESSION_SECOND_FACTOR = "klinik_second_factor_ok"

# Paths that need no session rules (the API authenticates by token, health and static files
# are public).
_EXEMPT_PREFIXES = ("/api/", "/fhir/", "/static/", "/healthz")


def _exempt(request: HttpRequest) -> bool:
    return request.path.startswith(_EXEMPT_PREFIXES)


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class LanguageMiddleware:
    """Danish unless the user chose otherwise (footer switch or profile): the browser's
    Accept-Language is ignored, since a Danish clinic's PCs often run English Windows."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if not chosen and request.path.startswith(("/api/", "/fhir/")):
            # Integrations may ask for English messages with Accept-Language.
            chosen = translation.get_language_from_request(request)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class IdleTimeoutMiddleware:
    """Log out a session left idle longer than KLINIK_IDLE_TIMEOUT_MINUTES."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not _exempt(request):
            now = time.time()
            last = request.session.get(SESSION_LAST_ACTIVITY)
            timeout = settings.KLINIK_IDLE_TIMEOUT_MINUTES * 60
            if last is not None and now - last > timeout:
                logout(request)
                messages.info(
                    request,
                    _("You were logged out after %(minutes)d minutes without activity.")
                    % {"minutes": settings.KLINIK_IDLE_TIMEOUT_MINUTES},
                )
                return _redirect(request, f"{reverse('login')}?next={request.path}")
            # Write the session at most every 30 s, not on every request. A screen's own
            # polling (X-Klinik-Poll) is not activity: an unattended board still times out.
            polled = request.headers.get("X-Klinik-Poll") == "1"
            if not polled and (last is None or now - last > 30):
                request.session[SESSION_LAST_ACTIVITY] = now
        return self.get_response(request)


class TwoFactorMiddleware:
    """Hold a logged-in user at the code step until the second factor is done."""

    ALLOWED_URL_NAMES = ("totp_verify", "totp_setup", "logout", "set_language")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.user.is_authenticated
            and not _exempt(request)
            and not request.session.get(SESSION_SECOND_FACTOR)
        ):
            allowed = {reverse(name) for name in self.ALLOWED_URL_NAMES}
            if request.path not in allowed:
                if user_needs_second_factor(request.user):
                    target = "totp_verify" if request.user.has_totp else "totp_setup"
                    return _redirect(request, reverse(target))
                request.session[SESSION_SECOND_FACTOR] = True
        return self.get_response(request)


class PasswordChangeMiddleware:
    """A user whose password someone else chose must choose their own before anything else."""

    ALLOWED_URL_NAMES = ("password_change", "logout", "set_language")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.user.is_authenticated
            and request.user.must_change_password
            and not _exempt(request)
            and request.path not in {reverse(name) for name in self.ALLOWED_URL_NAMES}
        ):
            return _redirect(request, reverse("password_change"))
        return self.get_response(request)


class ActorMiddleware:
    """Resolve who acts for which organisation and unit, once per request: `request.actor`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: PublicRequest) -> HttpResponse:
        request.actor = None
        request.memberships = []
        if request.user.is_authenticated and not _exempt(request):
            memberships = user_memberships(user=request.user)
            if not memberships:
                # Deactivated while logged in: the session ends here.
                logout(request)
                return _redirect(request, reverse("login"))
            chosen = request.session.get(SESSION_MEMBERSHIP)
            membership = next((m for m in memberships if str(m.public_id) == chosen), None)
            if membership is None:
                membership = memberships[0]
                request.session[SESSION_MEMBERSHIP] = str(membership.public_id)
            request.actor = actor_from_membership(membership)
            request.memberships = memberships
        return self.get_response(request)


class ResponseHeadersMiddleware:
    """Every dynamic response: `Cache-Control: no-store` (pages and API answers carry patient
    data, which must not stay in a browser's or a proxy's cache or come back with the Back
    button after logout; static files are served before this runs) and the
    Permissions-Policy of settings.KLINIK_PERMISSIONS_POLICY."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.KLINIK_PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A view that already said no-store (exports, documents) keeps its own header.
        if "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        return response
