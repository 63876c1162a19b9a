from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError


class RenewalCode(StrEnum):
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_OPEN = "not_open"
    NOT_PREPARED = "not_prepared"
    NOT_A_DOCTOR = "not_a_doctor"
    DATE_IN_FUTURE = "date_in_future"
    FMK_FAILED = "fmk_failed"


class RenewalError(DomainError):
    """A renewal refused; messages for the screen, codes for tests and the API."""

    statuses = {
        RenewalCode.NOT_OPEN: 409,
        RenewalCode.NOT_PREPARED: 409,
        RenewalCode.FMK_FAILED: 502,
    }

    REQUIRED = _("This field is required.")
    TOO_LONG = _("The text is too long (at most %(max)d characters).")
    NOT_OPEN = _("The renewal is already decided or cancelled.")
    NOT_PREPARED = _("The renewal must be prepared (medication, dose, pharmacy) before approval.")
    NOT_A_DOCTOR = _("Choose a doctor of the clinic: only a doctor can renew a prescription.")
    DATE_IN_FUTURE = _("The date cannot be in the future.")
    FMK_FAILED = _("FMK did not take the renewal (%(reason)s); it is not approved. Try again.")

    def __init__(self, code: RenewalCode, message: object, field: str = "") -> None:
        super().__init__(code, message, field)
