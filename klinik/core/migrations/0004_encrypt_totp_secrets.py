"""TOTP secrets stored in clear are encrypted with the field key (settings.KLINIK_FIELD_KEYS);
backwards, they are decrypted again. A value is encrypted only when it is not already a
Fernet token, so running either direction twice does no harm."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import migrations


def _fernet():
    return MultiFernet([Fernet(key) for key in settings.KLINIK_FIELD_KEYS])


def _is_encrypted(fernet, value):
    try:
        fernet.decrypt(value.encode())
    except InvalidToken:
        return False
    return True


def encrypt(apps, schema_editor):
    User = apps.get_model("core", "User")
    fernet = _fernet()
    for user in User.objects.exclude(totp_secret="").only("id", "totp_secret"):
        if not _is_encrypted(fernet, user.totp_secret):
            user.totp_secret = fernet.encrypt(user.totp_secret.encode()).decode()
            user.save(update_fields=["totp_secret"])


def decrypt(apps, schema_editor):
    User = apps.get_model("core", "User")
    fernet = _fernet()
    for user in User.objects.exclude(totp_secret="").only("id", "totp_secret"):
        if _is_encrypted(fernet, user.totp_secret):
            user.totp_secret = fernet.decrypt(user.totp_secret.encode()).decode()
            user.save(update_fields=["totp_secret"])


class Migration(migrations.Migration):
    dependencies = [("core", "0003_user_totp_secret_room_for_ciphertext")]
    operations = [migrations.RunPython(encrypt, decrypt)]
