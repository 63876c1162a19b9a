"""Staff's refusals: one code enum, messages as constants tests assert on."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError


class StaffCode(StrEnum):
    UNKNOWN_COMPETENCE = "unknown_competence"
    NOT_MEMBER = "not_member"
    EXPIRY_NOT_AFTER_ASSESSMENT = "expiry_not_after_assessment"
    ASSESSED_IN_FUTURE = "assessed_in_future"
    BAD_LEVEL = "bad_level"
    TOO_LONG = "too_long"


class StaffDomainError(DomainError):
    UNKNOWN_COMPETENCE = _("Unknown competence.")
    NOT_MEMBER = _("The person is not on the staff of your organisation.")
    EXPIRY_NOT_AFTER_ASSESSMENT = _("The expiry date must be after the assessment date.")
    ASSESSED_IN_FUTURE = _("The assessment date cannot be in the future.")
    BAD_LEVEL = _("Not a valid level: %(value)s.")
    TOO_LONG = _("At most %(max)d characters.")
    statuses = {StaffCode.UNKNOWN_COMPETENCE: 404, StaffCode.NOT_MEMBER: 404}

    def __init__(self, code: StaffCode, message: object, field: str = "") -> None:
        super().__init__(code, message, field)
