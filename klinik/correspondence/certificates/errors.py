from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError


class CertificateCode(StrEnum):
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_YOURS = "not_yours"
    DATE_IN_FUTURE = "date_in_future"
    DUE_BEFORE_RECEIVED = "due_before_received"
    NO_DEADLINE = "no_deadline"
    BAD_STATE = "bad_state"
    NOT_SENT = "not_sent"


class CertificateError(DomainError):
    statuses = {CertificateCode.BAD_STATE: 409, CertificateCode.NOT_YOURS: 404}

    REQUIRED = _("This field is required.")
    TOO_LONG = _("The text is too long (at most %(max)d characters).")
    NOT_YOURS = _("The certificate type or template belongs to another organisation.")
    DATE_IN_FUTURE = _("The date cannot be in the future.")
    DUE_BEFORE_RECEIVED = _("The reply date cannot be before the request was received.")
    NO_DEADLINE = _("The catalogue gives no reply deadline for this type: give the reply date.")
    BAD_STATE = _("The certificate is not in a state that allows this.")
    NOT_SENT = _("The certificate's letter could not be sent: %(reason)s")

    def __init__(self, code: CertificateCode, message: object, field: str = "") -> None:
        super().__init__(code, message, field)
