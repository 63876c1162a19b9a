"""What the schedule's setup refuses: one error type, a code per reason, the field it concerns."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError


class SetupCode(StrEnum):
    HOURS_ORDER = "hours_order"
    HOURS_OVERLAP = "hours_overlap"
    HOURS_WEEKDAY = "hours_weekday"
    VALIDITY_ORDER = "validity_order"
    ABSENCE_ORDER = "absence_order"
    ABSENCE_KIND = "absence_kind"
    USER_NOT_STAFF = "user_not_staff"
    USER_ONLY_PRACTITIONER = "user_only_practitioner"
    UNKNOWN_DAY = "unknown_day"
    NAME_REQUIRED = "name_required"
    COLOUR = "colour"


class SetupError(DomainError):
    """A setup change refused; `field` names the input ("end", "hours.2.start")."""

    HOURS_ORDER = _("The end must be after the start.")
    HOURS_OVERLAP = _("The hours overlap other hours on the same weekday (%(other)s).")
    HOURS_WEEKDAY = _("Choose a weekday.")
    VALIDITY_ORDER = _("The last valid day must not be before the first.")
    ABSENCE_ORDER = _("The absence must end after it starts.")
    ABSENCE_KIND = _("Choose a reason: vacation, sick, course or other.")
    USER_NOT_STAFF = _("Choose a staff member of the unit.")
    USER_ONLY_PRACTITIONER = _("Only a practitioner is linked to a user.")
    UNKNOWN_DAY = _("Not an optional day of the Danish calendar: %(day)s.")
    NAME_REQUIRED = _("Give the resource a name.")
    COLOUR = _("A colour is written as # and six hexadecimal digits, e.g. #0b5394.")
    statuses: ClassVar[dict[str, int]] = {}

    def __init__(self, code: SetupCode, message: object, field: str = "") -> None:
        super().__init__(code, message, field)
