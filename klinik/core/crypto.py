"""Secrets kept in the database (TOTP secrets) are encrypted with Fernet under keys that are
not in the database (settings.KLINIK_FIELD_KEYS): a copy of the database alone does not give
away anyone's second factor."""

from __future__ import annotations

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class FieldKeyError(RuntimeError):
    """A stored secret none of the configured keys opens: the field key was lost or changed."""


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.KLINIK_FIELD_KEYS))


def field_encrypt(value: str) -> str:
    return _current().encrypt(value.encode()).decode()


def field_decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise FieldKeyError(
            "A stored secret cannot be decrypted: KLINIK_FIELD_KEY (or the field_key file) "
            "is not the key it was written with"
        ) from exc
