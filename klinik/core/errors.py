"""One shape for every refusal (STYLE: "Errors: one shape"), and core's own errors.

`DomainError(code, message, field="")`: a stable code (each app names its codes beside its
error class), a message to show (Danish first, through gettext) and the field it concerns. The
API has one handler (api/urls.py) that answers `{"detail", "code", ...}` with the status
`http_status` gives; the HTML views put the message at the field through one form adapter
(`form_error_add`). Messages are class constants, so tests assert on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status: ClassVar[int] = 422  # the API status of every code not in `statuses`
    statuses: ClassVar[Mapping[str, int]] = {}  # code -> API status

    def __init__(self, code: str, message: object, field: str = "") -> None:
        super().__init__(str(message))
        self.code = str(code)
        self.message = str(message)
        self.field = field

    @property
    def http_status(self) -> int:
        return self.statuses.get(self.code, self.status)

    def field_errors(self) -> dict[str, list[str]]:
        """The messages by field (one here; input checks may hold several)."""
        return {self.field: [self.message]}

    def api_body(self) -> dict[str, Any]:
        """The API's JSON body: `detail` names the field first ("cpr: …")."""
        detail = f"{self.field}: {self.message}" if self.field else self.message
        return {"detail": detail, "code": self.code}


def form_error_add(
    form: forms.Form, error: DomainError, fields: Mapping[str, str] | None = None
) -> None:
    """Show a refusal on the form: at its field (a service's field name mapped to the form's by
    `fields`) when the form has it, else above the form."""
    for name, messages in error.field_errors().items():
        field = (fields or {}).get(name, name)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class LoginError(Exception):
    # One answer for a wrong password, an unknown user and a locked account: a lock message
    # shown only for accounts that exist would tell which ones do.
    INVALID = _(
        "Wrong username or password, or the account is locked for a while after too many "
        "failed attempts."
    )
    DEACTIVATED = _("This account is deactivated. Contact your manager.")

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RateLimited(Exception):
    """Too many failed attempts from one client address: answered with 429."""

    MESSAGE = _("Too many attempts from this computer. Wait %(minutes)d minutes and try again.")

    def __init__(self, minutes: int) -> None:
        self.message = self.MESSAGE % {"minutes": minutes}
        super().__init__(self.message)


class TotpError(Exception):
    INVALID_CODE = _("The code is not valid. Type the six digits your app shows now.")
    LOCKED = _("Too many wrong codes: the account is locked for a while. Log in again later.")

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StaffError(Exception):
    """A staff change the policy refuses; `field` names the form field when there is one."""

    USERNAME_TAKEN = _("That username is already in use.")
    ROLE_NOT_ALLOWED = _("You may not give that role.")
    UNIT_NOT_YOURS = _("The unit does not belong to your organisation.")
    NOT_YOURSELF = _("You cannot deactivate or re-role yourself.")
    ALREADY_MEMBER = _("The person already has an active role in that unit.")

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class TokenError(Exception):
    """A token command refused. Console messages, in English like the command's own."""

    NOT_FOUND = "No active token starts with {prefix!r}"
    AMBIGUOUS = "{count} active tokens start with {prefix!r}: give the whole token"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
