"""Pathways' refusals: one code enum, messages as constants tests assert on."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError


class PathwayCode(StrEnum):
    RECEIVED_IN_FUTURE = "received_in_future"
    UNKNOWN_RULE = "unknown_rule"
    UNKNOWN_CODE = "unknown_code"
    UNIT_NOT_YOURS = "unit_not_yours"
    PATIENT_NOT_YOURS = "patient_not_yours"
    ASSIGNEE_NOT_MEMBER = "assignee_not_member"
    BAD_ROLE = "bad_role"
    REFERRAL_CLOSED = "referral_closed"
    REASON_REQUIRED = "reason_required"
    SAME_UNIT = "same_unit"
    MARKER_OUTSIDE_PERIOD = "marker_outside_period"
    PATHWAY_CLOSED = "pathway_closed"
    END_BEFORE_START = "end_before_start"
    REQUIRED = "required"
    BAD_VALUE = "bad_value"
    TOO_LONG = "too_long"
    LINK_OTHER_PATIENT = "link_other_patient"
    TASK_CLOSED = "task_closed"
    TASK_OPEN = "task_open"


class PathwayError(DomainError):
    RECEIVED_IN_FUTURE = _("The time the referral was received cannot be in the future.")
    UNKNOWN_RULE = _("Unknown deadline rule: %(code)s.")
    UNKNOWN_CODE = _("Unknown SKS code: %(code)s.")
    UNIT_NOT_YOURS = _("The unit does not belong to your organisation.")
    PATIENT_NOT_YOURS = _("The patient does not belong to the unit's organisation.")
    ASSIGNEE_NOT_MEMBER = _("The person is not active in the unit's organisation.")
    BAD_ROLE = _("Unknown role: %(role)s.")
    REFERRAL_CLOSED = _("The referral has already been visitated (%(status)s).")
    REASON_REQUIRED = _("State a reason.")
    SAME_UNIT = _("Choose another unit to redirect the referral to.")
    MARKER_OUTSIDE_PERIOD = _("The marker's time must lie within the pathway's period.")
    PATHWAY_CLOSED = _("The pathway is closed.")
    END_BEFORE_START = _("The end cannot be before the start.")
    REQUIRED = _("This field is required.")
    BAD_VALUE = _("Not a valid choice: %(value)s.")
    TOO_LONG = _("At most %(max)d characters.")
    LINK_OTHER_PATIENT = _("The appointment or contact belongs to another patient.")
    TASK_CLOSED = _("The task is closed: reopen it first.")
    TASK_OPEN = _("The task is open already.")

    def __init__(self, code: PathwayCode, message: object, field: str = "") -> None:
        super().__init__(code, message, field)
