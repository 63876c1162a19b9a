"""Login, two-factor, acting context, health check."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from klinik.core import services
from klinik.core.errors import (
    CoreCode,
    LoginError,
    RateLimited,
    TotpError,
    form_error_add,
)
from klinik.core.forms import LoginForm, TotpForm
from klinik.core.http import ActorRequest, PublicRequest
from klinik.core.middleware import SESSION_MEMBERSHIP, SESSION_SECOND_FACTOR
from klinik.core.policy import public, requires
from klinik.core.ratelimit import client_address


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("dashboard")


def _remember_language(response: HttpResponse, language: str) -> None:
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )


@public
def login_view(request: PublicRequest) -> HttpResponse:
    if request.user.is_authenticated and request.session.get(SESSION_SECOND_FACTOR):
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    status = 400 if form.errors else 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_login_attempt(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        except LoginError as exc:
            form.add_error(None, exc.message)
            status = 400
        else:
            login(request, user)
            response = redirect(_safe_next(request))
            _remember_language(response, user.preferred_language)
            return response
    return render(
        request,
        "core/login.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=status,
    )


@public
@require_POST
def logout_view(request: PublicRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("login")


def _code_refused(request: ActorRequest, form: TotpForm) -> HttpResponse | int | None:
    """Check the posted code: None when accepted; else the status to show the form with (the
    refusal is on it: 400, or 429 for a client that failed too often), or after too many wrong
    codes a redirect to the login page: the half-done session ends."""
    try:
        services.totp_verify(
            user=request.user, code=form.cleaned_data["code"], client=client_address(request)
        )
    except RateLimited as exc:
        form.add_error(None, exc.message)
        return 429
    except TotpError as exc:
        if exc.code == CoreCode.TOTP_LOCKED:
            logout(request)
            messages.error(request, exc.message)
            return redirect("login")
        form_error_add(form, exc)
        return 400
    return None


@requires()
def totp_verify_view(request: ActorRequest) -> HttpResponse:
    user = request.user
    if not user.has_totp:
        return redirect("totp_setup")
    form = TotpForm(request.POST or None)
    status = 400 if form.errors else 200
    if request.method == "POST" and form.is_valid():
        refused = _code_refused(request, form)
        if isinstance(refused, HttpResponse):
            return refused
        if refused is None:
            request.session.cycle_key()
            request.session[SESSION_SECOND_FACTOR] = True
            return redirect(_safe_next(request))
        status = refused
    return render(request, "core/totp_verify.html", {"form": form}, status=status)


@requires()
def totp_setup_view(request: ActorRequest) -> HttpResponse:
    """Enrol an authenticator app: show the secret as a QR code, confirm with one code."""
    user = request.user
    if user.has_totp and not request.session.get(SESSION_SECOND_FACTOR):
        return redirect("totp_verify")
    secret = services.totp_begin_setup(user=user)
    form = TotpForm(request.POST or None)
    status = 400 if form.errors else 200
    if request.method == "POST" and form.is_valid():
        refused = _code_refused(request, form)
        if isinstance(refused, HttpResponse):
            return refused
        if refused is None:
            request.session[SESSION_SECOND_FACTOR] = True
            messages.success(request, _("Two-factor login is now active for your account."))
            return redirect("dashboard")
        status = refused
    uri = services.totp_provisioning_uri(user=user)
    qr_svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#111", light="#fff")
    return render(
        request,
        "core/totp_setup.html",
        {"form": form, "secret": secret, "qr_svg": qr_svg, "enrolled": user.has_totp},
        status=status,
    )


@requires()
def password_change_view(request: ActorRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_password_change(
            user=request.user, new_password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password has been changed."))
        return redirect("dashboard")
    return render(
        request,
        "core/password_change.html",
        {"form": form, "forced": request.user.must_change_password},
        status=400 if form.errors else 200,
    )


@requires()
@require_POST
def switch_context_view(request: ActorRequest) -> HttpResponse:
    """Change the organisation/unit the user acts for, among their own active memberships."""
    chosen = request.POST.get("membership", "")
    if not any(str(m.public_id) == chosen for m in request.memberships):
        raise Http404
    request.session[SESSION_MEMBERSHIP] = chosen
    return redirect("dashboard")


@requires()
def profile_view(request: ActorRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        language = request.POST.get("preferred_language", "")
        if language in dict(settings.LANGUAGES):
            user.preferred_language = language
            user.save(update_fields=["preferred_language"])
            translation.activate(language)
            messages.success(request, _("Saved."))
        response = redirect("profile")
        _remember_language(response, user.preferred_language)
        return response
    return render(request, "core/profile.html", {"languages": settings.LANGUAGES})


# Infrastructure ------------------------------------------------------------------------------


@public
@require_GET
def healthz_view(request: PublicRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
