"""Core's errors, and the form adapter every screen puts a refusal on a form with.

`DomainError` (klinik/errors.py) is the one shape of every refusal; it is imported from here.
Core's codes are `CoreCode`; messages are class constants, so tests assert on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import ClassVar

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from klinik.errors import DomainError as DomainError


def form_error_add(
    form: forms.Form, error: DomainError, fields: Mapping[str, str] | None = None
) -> None:
    """Show a refusal on the form: at its field (a service's field name mapped to the form's by
    `fields`) when the form has it, else above the form."""
    for name, messages in error.field_errors().items():
        field = (fields or {}).get(name, name)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class CoreCode(StrEnum):
    LOGIN_INVALID = "login_invalid"
    DEACTIVATED = "deactivated"
    RATE_LIMITED = "rate_limited"
    TOTP_INVALID = "totp_invalid"
    TOTP_LOCKED = "totp_locked"
    USERNAME_TAKEN = "username_taken"
    ROLE_NOT_ALLOWED = "role_not_allowed"
    UNIT_NOT_YOURS = "unit_not_yours"
    NOT_YOURSELF = "not_yourself"
    ALREADY_MEMBER = "already_member"
    TOKEN_NOT_FOUND = "token_not_found"  # noqa: S105 (an error code, not a secret)
    TOKEN_AMBIGUOUS = "token_ambiguous"  # noqa: S105 (an error code, not a secret)


class LoginError(DomainError):
    # One answer for a wrong password, an unknown user and a locked account: a lock message
    # shown only for accounts that exist would tell which ones do.
    INVALID = _(
        "Wrong username or password, or the account is locked for a while after too many "
        "failed attempts."
    )
    DEACTIVATED = _("This account is deactivated. Contact your manager.")
    MESSAGES: ClassVar[Mapping[CoreCode, Promise]] = {
        CoreCode.LOGIN_INVALID: INVALID,
        CoreCode.DEACTIVATED: DEACTIVATED,
    }

    def __init__(self, code: CoreCode) -> None:
        super().__init__(code, self.MESSAGES[code])


class RateLimited(DomainError):
    """Too many failed attempts from one client address: answered with 429."""

    MESSAGE = _("Too many attempts from this computer. Wait %(minutes)d minutes and try again.")
    status = 429

    def __init__(self, minutes: int) -> None:
        super().__init__(CoreCode.RATE_LIMITED, self.MESSAGE % {"minutes": minutes})


class TotpError(DomainError):
    INVALID_CODE = _("The code is not valid. Type the six digits your app shows now.")
    LOCKED = _("Too many wrong codes: the account is locked for a while. Log in again later.")
    MESSAGES: ClassVar[Mapping[CoreCode, Promise]] = {
        CoreCode.TOTP_INVALID: INVALID_CODE,
        CoreCode.TOTP_LOCKED: LOCKED,
    }

    def __init__(self, code: CoreCode) -> None:
        super().__init__(code, self.MESSAGES[code], field="code")


class StaffError(DomainError):
    """A staff change the policy refuses; `field` names the form field when there is one."""

    USERNAME_TAKEN = _("That username is already in use.")
    ROLE_NOT_ALLOWED = _("You may not give that role.")
    UNIT_NOT_YOURS = _("The unit does not belong to your organisation.")
    NOT_YOURSELF = _("You cannot deactivate or re-role yourself.")
    ALREADY_MEMBER = _("The person already has an active role in that unit.")
    MESSAGES: ClassVar[Mapping[CoreCode, Promise]] = {
        CoreCode.USERNAME_TAKEN: USERNAME_TAKEN,
        CoreCode.ROLE_NOT_ALLOWED: ROLE_NOT_ALLOWED,
        CoreCode.UNIT_NOT_YOURS: UNIT_NOT_YOURS,
        CoreCode.NOT_YOURSELF: NOT_YOURSELF,
        CoreCode.ALREADY_MEMBER: ALREADY_MEMBER,
        CoreCode.DEACTIVATED: LoginError.DEACTIVATED,  # a token for a deactivated user
    }

    def __init__(self, code: CoreCode, field: str = "") -> None:
        super().__init__(code, self.MESSAGES[code], field)


class TokenError(DomainError):
    """A token command refused. Console messages, in English like the command's own; a
    DomainError all the same, so an API for tokens would answer it without a handler of its
    own."""

    NOT_FOUND = "No active token starts with {prefix!r}"
    AMBIGUOUS = "{count} active tokens start with {prefix!r}: give the whole token"
    statuses = {CoreCode.TOKEN_NOT_FOUND: 404}

    def __init__(self, code: CoreCode, message: str) -> None:
        super().__init__(code, message)


class SetupCode(StrEnum):
    """Why a setup change (organisation, units, types, templates, online settings) was
    refused: the API's `code`."""

    INVALID = "invalid"
    NAME_TAKEN = "name_taken"
    SLUG_TAKEN = "slug_taken"
    NO_REQUIREMENT = "no_requirement"
    RESOURCE_MISSING = "resource_missing"
    UNKNOWN_PLACEHOLDER = "unknown_placeholder"
    TOO_LONG_FOR_SMS = "too_long_for_sms"


class SetupInvalid(DomainError):
    """Setup input refused; `errors` maps each field to its messages (all of them shown at
    once, nothing saved). The code is the first problem's."""

    REQUIRED = _("This field is required.")
    TOO_LONG = _("At most %(max)d characters.")
    CVR = _("A CVR number has 8 digits and a valid check digit.")
    GLN = _("An EAN/GLN location number has 13 digits and a valid check digit.")
    SOR = _("A SOR code consists of digits only (up to 20).")
    PROVIDER_NUMBER = _("A provider number (ydernummer) has up to 7 digits.")
    PHONE = _("A phone number has 8 digits, or + and a country code.")
    EMAIL = _("Type a valid e-mail address.")
    POSTAL_CODE = _("A Danish postal code has 4 digits.")
    LOGO_TYPE = _("The logo must be a PNG or JPEG image.")
    LOGO_SIZE = _("The logo may be at most %(kb)d kB.")
    UNIT_NAME_TAKEN = _("The organisation already has a unit with that name.")
    SLUG_TAKEN = _("That booking address is already in use. Choose another.")
    SLUG_INVALID = _("Use lower-case letters, digits and hyphens.")

    def __init__(self, errors: dict[str, list[str]], code: SetupCode = SetupCode.INVALID) -> None:
        field, messages = next(iter(errors.items()))
        super().__init__(code, messages[0], field=field)
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{k}: {', '.join(v)}" for k, v in self.errors.items())

    def field_errors(self) -> dict[str, list[str]]:
        return self.errors

    def api_body(self) -> dict[str, object]:
        return super().api_body() | {
            "errors": [{"field": f, "message": m} for f, ms in self.errors.items() for m in ms]
        }

    @classmethod
    def one(cls, field: str, message: object, code: SetupCode = SetupCode.INVALID) -> SetupInvalid:
        return cls({field: [str(message)]}, code)


class SetupErrors:
    """Collects field problems while a setup service checks its input; `raise_if_any()` then
    refuses all of them at once (as `error_class`, the app's SetupInvalid)."""

    def __init__(self, error_class: type[SetupInvalid] = SetupInvalid) -> None:
        self.error_class = error_class
        self.errors: dict[str, list[str]] = {}
        self.code: SetupCode | None = None

    def add(self, field: str, message: object, code: SetupCode = SetupCode.INVALID) -> None:
        self.errors.setdefault(field, []).append(str(message))
        if self.code is None or self.code == SetupCode.INVALID:
            self.code = code

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise self.error_class(self.errors, self.code or SetupCode.INVALID)
