"""Login, lockout, deactivation, two-factor, idle timeout, CSRF and security headers."""

import re
import time
from pathlib import Path

import pyotp
import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from klinik.audit.choices import Action
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.crypto import field_decrypt
from klinik.core.errors import LoginError, TotpError
from klinik.core.middleware import SESSION_LAST_ACTIVITY
from klinik.core.tests.factories import TEST_PASSWORD, totp_enrol


def _post_login(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_login_page_speaks_danish(db, client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert 'lang="da"' in response.content.decode()
    assert "Adgangskode" in response.content.decode()


def test_pages_have_the_klinik_icon(db, client):
    page = client.get("/login/").content.decode()
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert href is not None
    icon = finders.find(href[1].removeprefix(settings.STATIC_URL))
    assert icon is not None and Path(icon).read_text().startswith("<svg")


def test_wrong_password_gets_a_clear_danish_message_and_is_logged(world, client):
    membership = world.member(Role.SECRETARY)
    response = _post_login(client, membership.user.username, "forkert")
    assert response.status_code == 400
    assert "Forkert brugernavn eller adgangskode" in response.content.decode()
    assert AccessLogEntry.objects.filter(user=membership.user, action=Action.LOGIN_FAILED).exists()
    assert client.get("/dashboard/").status_code == 302


def test_unknown_user_gets_the_same_message_as_a_wrong_password(db, client):
    response = _post_login(client, "findes-ikke", "forkert")
    assert str(LoginError.INVALID) in response.content.decode()


def test_account_locks_after_repeated_failures(world, client, settings):
    settings.KLINIK_LOCKOUT_THRESHOLD = 3
    membership = world.member(Role.SECRETARY)
    username = membership.user.username
    for _ in range(2):
        assert "Forkert" in _post_login(client, username, "forkert").content.decode()
    # The lock says no more than a wrong password does (test_rate_limit: no enumeration).
    locked = _post_login(client, username, "forkert")
    assert str(LoginError.INVALID) in locked.content.decode()
    assert "låst" in locked.content.decode()
    # Locked: even the right password is refused now.
    response = _post_login(client, username, TEST_PASSWORD)
    assert response.status_code == 400
    assert str(LoginError.INVALID) in response.content.decode()
    membership.user.refresh_from_db()
    assert membership.user.locked_until is not None
    assert AccessLogEntry.objects.filter(user=membership.user, action=Action.LOCKOUT).count() == 1


def test_lock_expires(world, client, settings):
    settings.KLINIK_LOCKOUT_THRESHOLD = 1
    membership = world.member(Role.SECRETARY)
    _post_login(client, membership.user.username, "forkert")
    user = membership.user
    user.refresh_from_db()
    user.locked_until = user.locked_until.replace(year=2000)
    user.save()
    assert _post_login(client, user.username, TEST_PASSWORD).status_code == 302


def test_successful_login_resets_failures_and_reaches_dashboard(world, client):
    membership = world.member(Role.SECRETARY)
    _post_login(client, membership.user.username, "forkert")
    response = _post_login(client, membership.user.username, TEST_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    membership.user.refresh_from_db()
    assert membership.user.failed_login_count == 0
    assert client.get("/dashboard/").status_code == 200


def test_login_next_must_stay_on_site(world, client):
    membership = world.member(Role.SECRETARY)
    response = client.post(
        "/login/?next=https://evil.example/",
        {
            "username": membership.user.username,
            "password": TEST_PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/dashboard/"


def test_logout_requires_post_and_ends_the_session(world, client, login_as):
    login_as(world.member(Role.SECRETARY))
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/dashboard/").status_code == 302


def test_idle_session_is_logged_out(world, client, login_as, settings):
    login_as(world.member(Role.SECRETARY))
    assert client.get("/dashboard/").status_code == 200
    session = client.session
    session[SESSION_LAST_ACTIVITY] = time.time() - settings.KLINIK_IDLE_TIMEOUT_MINUTES * 60 - 5
    session.save()
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.get("/dashboard/").status_code == 302


def test_active_session_survives(world, client, login_as, settings):
    login_as(world.member(Role.SECRETARY))
    session = client.session
    session[SESSION_LAST_ACTIVITY] = time.time() - settings.KLINIK_IDLE_TIMEOUT_MINUTES * 60 + 60
    session.save()
    assert client.get("/dashboard/").status_code == 200


class TestTwoFactor:
    @pytest.fixture(autouse=True)
    def _require(self, settings):
        settings.KLINIK_REQUIRE_2FA = True

    def test_record_role_must_enrol_before_anything_else(self, world, client, login_as):
        membership = world.member(Role.DOCTOR)
        login_as(membership)
        response = client.get("/dashboard/")
        assert response.status_code == 302
        assert response["Location"] == "/login/two-factor/"
        page = client.get("/login/two-factor/")
        assert page.status_code == 200
        assert "<svg" in page.content.decode()
        # A wrong code is refused with a message, and nothing is enrolled.
        wrong = client.post("/login/two-factor/", {"code": "000000"})
        assert wrong.status_code == 400
        assert str(TotpError.INVALID_CODE) in wrong.content.decode()
        membership.user.refresh_from_db()
        assert not membership.user.has_totp
        code = pyotp.TOTP(field_decrypt(membership.user.totp_secret)).now()
        assert client.post("/login/two-factor/", {"code": code}).status_code == 302
        assert client.get("/dashboard/").status_code == 200
        membership.user.refresh_from_db()
        assert membership.user.has_totp

    def test_enrolled_user_is_asked_for_a_code_and_a_code_works_once(self, world, client, login_as):
        membership = world.member(Role.SECRETARY)
        user = membership.user
        secret = totp_enrol(user)
        login_as(membership)
        assert client.get("/dashboard/")["Location"] == "/login/code/"
        code = pyotp.TOTP(secret).now()
        assert client.post("/login/code/", {"code": code}).status_code == 302
        assert client.get("/dashboard/").status_code == 200
        # The same code cannot be replayed in another session.
        other = Client()
        login_ok = other.post("/login/", {"username": user.username, "password": TEST_PASSWORD})
        assert login_ok.status_code == 302
        assert other.post("/login/code/", {"code": code}).status_code == 400

    def test_reception_role_without_records_needs_no_second_factor(self, world, client, login_as):
        login_as(world.member(Role.HEALTH_SERVICE_SECRETARY))
        assert client.get("/dashboard/").status_code == 200

    def test_staff_administrators_need_a_second_factor_too(self, world, client, login_as):
        login_as(world.member(Role.MANAGER))
        assert client.get("/staff/")["Location"] == "/login/two-factor/"

    def test_api_is_not_held_by_the_second_factor(self, world, client):
        from klinik.core.api_tokens import api_token_create

        membership = world.member(Role.DOCTOR)
        _, token = api_token_create(user=membership.user, organisation=world.org_a)
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200


def test_form_without_csrf_token_is_refused_with_a_danish_page(world):
    membership = world.member(Role.MANAGER)
    client = Client(enforce_csrf_checks=True)
    # The login form itself is protected too.
    refused = client.post(
        "/login/", {"username": membership.user.username, "password": TEST_PASSWORD}
    )
    assert refused.status_code == 403
    assert "Formularen er udløbet" in refused.content.decode()
    assert not AccessLogEntry.objects.filter(user=membership.user).exists()


def test_state_changing_form_without_csrf_changes_nothing(world):
    manager = world.member(Role.MANAGER)
    target = world.member(Role.SECRETARY)
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/")
    token = page.cookies["csrftoken"].value
    client.post(
        "/login/",
        {
            "username": manager.user.username,
            "password": TEST_PASSWORD,
            "csrfmiddlewaretoken": token,
        },
    )
    response = client.post(f"/staff/{target.public_id}/active/", {"active": "0"})
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.is_active


def test_security_headers(db, client):
    response = client.get("/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp


def test_hsts_behind_https(db, client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = client.get("/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
