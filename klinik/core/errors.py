"""Domain errors of core, with their Danish-first messages as constants tests assert on."""

from django.utils.translation import gettext_lazy as _


class LoginError(Exception):
    INVALID = _("Wrong username or password.")
    LOCKED = _("The account is locked for a while after too many failed attempts. Try again later.")
    DEACTIVATED = _("This account is deactivated. Contact your manager.")

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
