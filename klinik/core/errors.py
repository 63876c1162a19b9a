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
