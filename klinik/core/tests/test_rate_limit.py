"""Per-client rate limit on password and code attempts (429), atomic under concurrency, on top
of the per-account lock; and the login page never tells whether an account exists."""

import threading
from datetime import timedelta

import pyotp
import pytest
from django.db import connections
from django.test import Client

from klinik.core.choices import Role
from klinik.core.errors import LoginError
from klinik.core.ratelimit import client_address, rate_limit_hit
from klinik.core.tests.factories import TEST_PASSWORD, totp_enrol

RATE_LIMITED = "For mange forsøg fra denne computer."


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.KLINIK_LOGIN_RATE_LIMIT = 3
    settings.KLINIK_LOGIN_RATE_MINUTES = 15
    settings.KLINIK_LOCKOUT_THRESHOLD = 5


WRONG = "forkert-kodeord"


def _login(client, username, password=WRONG, address="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_wrong_passwords_from_one_client_are_refused_with_429_whatever_the_account(world, client):
    users = [world.member(Role.SECRETARY).user for _ in range(4)]
    for user in users[:3]:
        assert _login(client, user.username).status_code == 400
    refused = _login(client, users[3].username, TEST_PASSWORD)
    assert refused.status_code == 429
    body = refused.content.decode()
    assert RATE_LIMITED in body
    assert "Vent 15 minutter" in body
    # Not a single account was locked on the way: the client was stopped, not the accounts.
    for user in users:
        user.refresh_from_db()
        assert user.locked_until is None
    # Another computer logs in as usual.
    assert _login(client, users[3].username, TEST_PASSWORD, address="10.0.0.2").status_code == 302


def test_logins_that_succeed_do_not_use_up_the_limit(world, client):
    membership = world.member(Role.SECRETARY)
    for _ in range(6):
        assert _login(client, membership.user.username, TEST_PASSWORD).status_code == 302
        client.post("/logout/")
    assert _login(client, membership.user.username).status_code == 400


def test_the_limit_ends_with_its_window(world, client, clock):
    clock.set(clock.now)
    membership = world.member(Role.SECRETARY)
    for _ in range(3):
        _login(client, "findes-ikke")
    assert _login(client, membership.user.username, TEST_PASSWORD).status_code == 429
    clock.advance(minutes=16)
    assert _login(client, membership.user.username, TEST_PASSWORD).status_code == 302


def test_wrong_codes_count_toward_the_same_limit(world, client, settings):
    settings.KLINIK_REQUIRE_2FA = True
    membership = world.member(Role.DOCTOR)
    secret = totp_enrol(membership.user)
    assert _login(client, membership.user.username, TEST_PASSWORD).status_code == 302
    # A wrong password from another browser on the same computer.
    assert _login(Client(), "findes-ikke").status_code == 400
    for _ in range(2):
        assert (
            client.post("/login/code/", {"code": "000000"}, REMOTE_ADDR="10.0.0.1").status_code
            == 400
        )
    refused = client.post(
        "/login/code/", {"code": pyotp.TOTP(secret).now()}, REMOTE_ADDR="10.0.0.1"
    )
    assert refused.status_code == 429
    assert RATE_LIMITED in refused.content.decode()


def test_locked_and_unknown_accounts_get_the_same_answer(world, client, settings):
    """'The account is locked' only for accounts that exist would tell which exist."""
    settings.KLINIK_LOGIN_RATE_LIMIT = 100
    settings.KLINIK_LOCKOUT_THRESHOLD = 2
    existing = world.member(Role.SECRETARY).user.username
    answers = {}
    for username in (existing, "findes-ikke"):
        answers[username] = [
            (r.status_code, r.context["form"].non_field_errors())
            for r in (_login(client, username) for _ in range(4))
        ]
    assert answers[existing] == answers["findes-ikke"]
    assert answers[existing][0] == (400, [str(LoginError.INVALID)])
    # Locked, the right password is refused with the very same words.
    right = _login(client, existing, TEST_PASSWORD)
    assert (right.status_code, right.context["form"].non_field_errors()) == answers[existing][0]


def test_the_client_is_the_address_the_proxy_saw_when_one_is_trusted(rf, settings):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.2.3")
    settings.KLINIK_TRUSTED_PROXIES = 0
    assert client_address(request) == "127.0.0.1"
    settings.KLINIK_TRUSTED_PROXIES = 1
    assert client_address(request) == "10.1.2.3"
    settings.KLINIK_TRUSTED_PROXIES = 2
    assert client_address(request) == "6.6.6.6"
    # Fewer hops than proxies configured: the header is not what a proxy wrote.
    settings.KLINIK_TRUSTED_PROXIES = 3
    assert client_address(request) == "127.0.0.1"


@pytest.mark.django_db(transaction=True)
def test_concurrent_attempts_never_slip_past_the_limit():
    """17 attempts at once against a limit of 10: exactly 10 get through."""
    barrier = threading.Barrier(17)
    results: list[bool] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            barrier.wait()
            allowed = rate_limit_hit(
                scope="test", client="10.9.9.9", limit=10, window=timedelta(minutes=5)
            )
            with lock:
                results.append(allowed)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(17)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True] * 10
