"""TOTP secrets are stored encrypted (Fernet) with a key that is not in the database."""

import importlib

import pyotp
import pytest
from cryptography.fernet import Fernet
from django.apps import apps as django_apps
from django.db import connection

from klinik.core import crypto
from klinik.core.choices import Role
from klinik.core.models import User
from klinik.core.tests.factories import totp_enrol

pytestmark = pytest.mark.usefixtures("_require_2fa")


@pytest.fixture
def _require_2fa(settings):
    settings.KLINIK_REQUIRE_2FA = True


def _stored(user: User) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT totp_secret FROM core_user WHERE id = %s", [user.pk])
        return cursor.fetchone()[0]


def test_the_secret_enrolled_on_screen_is_stored_encrypted(world, client, login_as):
    membership = world.member(Role.DOCTOR)
    login_as(membership)
    page = client.get("/login/two-factor/").content.decode()
    user = User.objects.get(pk=membership.user_id)
    stored = _stored(user)
    secret = crypto.field_decrypt(stored)
    # The page shows the clear secret to type into the app; the database never holds it.
    assert secret in page
    assert secret not in stored
    assert len(secret) == 32
    code = pyotp.TOTP(secret).now()
    assert client.post("/login/two-factor/", {"code": code}).status_code == 302
    assert secret not in _stored(user)
    # Enrolled: the next login asks for a code from the same secret.
    client.post("/logout/")
    login_as(membership)
    assert client.get("/dashboard/")["Location"] == "/login/code/"


def test_another_key_cannot_read_the_secret(world, settings):
    user = world.member(Role.DOCTOR).user
    totp_enrol(user)
    user.refresh_from_db()
    settings.KLINIK_FIELD_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.FieldKeyError):
        crypto.field_decrypt(user.totp_secret)


def test_a_new_key_still_reads_secrets_written_under_the_old_one(world, settings):
    """KLINIK_FIELD_KEY takes several keys: the first encrypts, every one decrypts."""
    user = world.member(Role.DOCTOR).user
    secret = totp_enrol(user)
    user.refresh_from_db()
    settings.KLINIK_FIELD_KEYS = [Fernet.generate_key().decode(), *settings.KLINIK_FIELD_KEYS]
    assert crypto.field_decrypt(user.totp_secret) == secret


def test_the_migration_encrypts_secrets_stored_in_clear(world, client, login_as):
    membership = world.member(Role.DOCTOR)
    clear = pyotp.random_base32()
    User.objects.filter(pk=membership.user_id).update(
        totp_secret=clear, totp_confirmed_at=membership.user.date_joined
    )
    migration = importlib.import_module("klinik.core.migrations.0004_encrypt_totp_secrets")
    migration.encrypt(django_apps, None)
    stored = _stored(membership.user)
    assert clear not in stored
    assert crypto.field_decrypt(stored) == clear
    login_as(membership)
    assert client.post("/login/code/", {"code": pyotp.TOTP(clear).now()}).status_code == 302
    assert client.get("/dashboard/").status_code == 200
    # Back again (the reverse migration), and once more: nothing is encrypted twice.
    migration.decrypt(django_apps, None)
    assert _stored(membership.user) == clear
    migration.encrypt(django_apps, None)
    assert crypto.field_decrypt(_stored(membership.user)) == clear


def test_the_key_comes_from_the_environment_then_the_data_dir_then_the_secret_key(tmp_path):
    from klinik.config.settings import field_keys

    derived = field_keys(configured="", data_dir=tmp_path, secret_key="s" * 50)
    assert len(derived) == 1
    Fernet(derived[0])  # a valid key
    assert field_keys(configured="", data_dir=tmp_path, secret_key="t" * 50) != derived
    written = Fernet.generate_key().decode()
    (tmp_path / "field_key").write_text(written + "\n")
    assert field_keys(configured="", data_dir=tmp_path, secret_key="s" * 50)[0] == written
    given, older = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    from_env = field_keys(configured=f"{given}, {older}", data_dir=tmp_path, secret_key="s" * 50)
    assert from_env[:2] == [given, older]
    # The key derived from the secret key always decrypts as a last resort: secrets written
    # before the key file existed stay readable.
    assert from_env[-1] == derived[0]
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        field_keys(configured="not-a-key", data_dir=tmp_path, secret_key="s" * 50)


def test_the_deploy_check_warns_when_the_key_is_derived_from_the_secret_key(settings):
    from klinik.core.checks import field_key_configured

    settings.KLINIK_FIELD_KEY_DERIVED = True
    assert [w.id for w in field_key_configured()] == ["core.W001"]
    settings.KLINIK_FIELD_KEY_DERIVED = False
    assert field_key_configured() == []
