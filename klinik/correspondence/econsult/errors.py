from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError


class EconsultCode(StrEnum):
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_OPEN = "not_open"
    NOT_A_CLINICIAN = "not_a_clinician"
    NOT_YOURS = "not_yours"


class EconsultError(DomainError):
    statuses = {EconsultCode.NOT_OPEN: 409, EconsultCode.NOT_YOURS: 403}

    REQUIRED = _("This field is required.")
    TOO_LONG = _("The text is too long (at most %(max)d characters).")
    NOT_OPEN = _("The message is already answered or closed.")
    NOT_A_CLINICIAN = _("Choose a clinician of the clinic who may write in the record.")
    NOT_YOURS = _("Only the clinician the message is given to, or a doctor, can answer it.")

    def __init__(self, code: EconsultCode, message: object, field: str = "") -> None:
        super().__init__(code, message, field)
