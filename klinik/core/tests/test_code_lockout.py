"""Two-factor codes cannot be guessed: wrong codes count toward the lock like wrong passwords."""

import pyotp
import pytest
from django.utils import timezone

from klinik.audit.choices import Action
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.errors import TotpError
from klinik.core.tests.factories import TEST_PASSWORD, totp_enrol


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.KLINIK_REQUIRE_2FA = True
    settings.KLINIK_LOCKOUT_THRESHOLD = 3


@pytest.fixture
def enrolled(world):
    membership = world.member(Role.DOCTOR)
    secret = totp_enrol(membership.user)
    return membership, secret


def _wrong(secret: str) -> str:
    """A code no time step near now accepts."""
    totp = pyotp.TOTP(secret)
    step = totp.timecode(timezone.now())
    right = {totp.generate_otp(step + d) for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def _password(client, user):
    return client.post("/login/", {"username": user.username, "password": TEST_PASSWORD})


def test_wrong_codes_lock_the_account_and_end_the_session(enrolled, client, login_as):
    membership, secret = enrolled
    user = membership.user
    login_as(membership)
    for _ in range(2):
        response = client.post("/login/code/", {"code": _wrong(secret)})
        assert response.status_code == 400
        assert str(TotpError.INVALID_CODE) in response.content.decode()
    locked = client.post("/login/code/", {"code": _wrong(secret)})
    # The third wrong code locks the account: the half-done session ends at the login page.
    assert locked.status_code == 302
    assert locked["Location"] == "/login/"
    assert str(TotpError.LOCKED) in client.get("/login/").content.decode()
    user.refresh_from_db()
    assert user.locked_until is not None
    assert AccessLogEntry.objects.filter(user=user, action=Action.LOCKOUT).count() == 1
    assert AccessLogEntry.objects.filter(user=user, action=Action.LOGIN_FAILED).count() == 2
    assert client.get("/dashboard/").status_code == 302
    # While locked, the right password gets nowhere and the right code is never asked for.
    assert _password(client, user).status_code == 400
    assert client.post("/login/code/", {"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert client.get("/dashboard/")["Location"].startswith("/login/")


def test_sixty_guesses_in_a_row_check_no_more_codes_than_the_threshold(
    enrolled, client, login_as, monkeypatch
):
    membership, _secret = enrolled
    login_as(membership)
    checked = []
    real_verify = pyotp.TOTP.generate_otp

    def counting(self, step):
        checked.append(step)
        return real_verify(self, step)

    monkeypatch.setattr(pyotp.TOTP, "generate_otp", counting)
    statuses = [client.post("/login/code/", {"code": f"{n:06d}"}).status_code for n in range(60)]
    assert statuses[:2] == [400, 400]
    assert statuses[2] == 302
    # After the lock nothing is compared: three codes, each against three time steps.
    assert len(checked) <= 3 * 3
    membership.user.refresh_from_db()
    assert membership.user.locked_until is not None


def test_entering_the_password_again_does_not_reset_the_count_of_wrong_codes(
    enrolled, client, login_as
):
    membership, secret = enrolled
    login_as(membership)
    for _ in range(2):
        assert client.post("/login/code/", {"code": _wrong(secret)}).status_code == 400
    client.post("/logout/")
    assert _password(client, membership.user).status_code == 302
    assert client.post("/login/code/", {"code": _wrong(secret)}).status_code == 302
    membership.user.refresh_from_db()
    assert membership.user.locked_until is not None


def test_a_right_code_resets_the_count(enrolled, client, login_as):
    membership, secret = enrolled
    login_as(membership)
    for _ in range(2):
        client.post("/login/code/", {"code": _wrong(secret)})
    assert client.post("/login/code/", {"code": pyotp.TOTP(secret).now()}).status_code == 302
    membership.user.refresh_from_db()
    assert membership.user.failed_login_count == 0
    assert membership.user.locked_until is None


def test_wrong_codes_while_enrolling_count_too(world, client, login_as):
    membership = world.member(Role.DOCTOR)
    login_as(membership)
    assert client.get("/login/two-factor/").status_code == 200
    for _ in range(2):
        assert client.post("/login/two-factor/", {"code": "000000"}).status_code == 400
    locked = client.post("/login/two-factor/", {"code": "000000"})
    assert locked.status_code == 302
    assert locked["Location"] == "/login/"
    membership.user.refresh_from_db()
    assert membership.user.locked_until is not None
