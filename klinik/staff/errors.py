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
    NOT_AUTHORISED = "not_authorised"
    DELEGATE_NOT_MEMBER = "delegate_not_member"
    END_BEFORE_START = "end_before_start"
    NOT_DELEGABLE = "not_delegable"
    UNKNOWN_TASK = "unknown_task"
    UNKNOWN_INSTRUCTION = "unknown_instruction"
    ROLE_AND_UNIT = "role_and_unit"
    NO_DELEGATION = "no_delegation"
    REQUIRED = "required"
    TITLE_TAKEN = "title_taken"
    UNKNOWN_COURSE = "unknown_course"
    COMPLETED_BEFORE_START = "completed_before_start"
    COMPLETED_IN_FUTURE = "completed_in_future"
    BAD_STATUS = "bad_status"
    BAD_AUTHORISATION_ID = "bad_authorisation_id"
    NO_AUTHORISATION_ID = "no_authorisation_id"
    NOT_APPRENTICE = "not_apprentice"
    PLAN_EXISTS = "plan_exists"
    TRAINER_IS_APPRENTICE = "trainer_is_apprentice"
    OUTSIDE_PLAN = "outside_plan"
    NOT_TRAINER = "not_trainer"
    NOT_ENDED = "not_ended"
    ONLY_PRACTICE = "only_practice"
    ALREADY_APPROVED = "already_approved"
    ALREADY_REVOKED = "already_revoked"
    REVOKED_IN_PAST = "revoked_in_past"
    REVOKED_AFTER_END = "revoked_after_end"
    DATE_IN_PAST = "date_in_past"
    BAD_PHOTO = "bad_photo"
    CODE_TAKEN = "code_taken"
    NUMBER_TAKEN = "number_taken"
    BAD_DAYS = "bad_days"


class StaffDomainError(DomainError):
    UNKNOWN_COMPETENCE = _("Unknown competence.")
    NOT_MEMBER = _("The person is not on the staff of your organisation.")
    EXPIRY_NOT_AFTER_ASSESSMENT = _("The expiry date must be after the assessment date.")
    ASSESSED_IN_FUTURE = _("The assessment date cannot be in the future.")
    BAD_LEVEL = _("Not a valid level: %(value)s.")
    TOO_LONG = _("At most %(max)d characters.")
    NOT_AUTHORISED = _(
        "Only an authorised health professional (a doctor) may delegate a task from the "
        "doctor's reserved area."
    )
    DELEGATE_NOT_MEMBER = _("%(person)s is not on the staff of your organisation.")
    END_BEFORE_START = _("The end cannot be before the start.")
    NOT_DELEGABLE = _("%(task)s may never be delegated (autorisationsloven).")
    UNKNOWN_TASK = _("Unknown task: %(task)s.")
    UNKNOWN_INSTRUCTION = _("No instruction with the title %(title)s in the library.")
    ROLE_AND_UNIT = _("Name a person, or a role and a unit.")
    NO_DELEGATION = _(
        "%(person)s may not give %(task)s on %(date)s: there is no valid delegation of "
        "%(task)s to the person or their role in the unit. A doctor must delegate it under a "
        "written instruction (Staff, Delegations)."
    )
    REQUIRED = _("This field is required.")
    TITLE_TAKEN = _("An instruction with this title exists already.")
    UNKNOWN_COURSE = _("No course with the number %(number)s in the catalogue.")
    COMPLETED_BEFORE_START = _("The completion date cannot be before the start.")
    COMPLETED_IN_FUTURE = _("A completed course needs a completion date, not in the future.")
    BAD_STATUS = _("Not a valid status: %(value)s.")
    BAD_AUTHORISATION_ID = _(
        "An authorisation id is 4 to 10 letters and digits, as in the authorisation register."
    )
    NO_AUTHORISATION_ID = _(
        "%(person)s has no authorisation id on the staff profile: only an authorised health "
        "professional, with the id from the authorisation register, may delegate (Staff, the "
        "person's page)."
    )
    NOT_APPRENTICE = _("Only an apprentice (elev) has an education plan.")
    PLAN_EXISTS = _("The apprentice has an education plan already.")
    TRAINER_IS_APPRENTICE = _("The apprentice cannot be their own trainer.")
    OUTSIDE_PLAN = _("The period must lie within the plan, %(start)s to %(end)s.")
    NOT_TRAINER = _("Only the apprentice's trainers may approve.")
    NOT_ENDED = _("A practice period is approved when it has ended (%(end)s).")
    ONLY_PRACTICE = _("Only a practice period is approved by the practice.")
    ALREADY_APPROVED = _("It has been approved already.")
    ALREADY_REVOKED = _("The delegation has been revoked already.")
    REVOKED_IN_PAST = _("A revocation cannot be dated before today.")
    REVOKED_AFTER_END = _("The delegation ends on %(end)s: a revocation after that is not needed.")
    DATE_IN_PAST = _("The date must be after today.")
    BAD_PHOTO = _("The photo must be a JPEG or PNG picture of at most %(max)d MB.")
    CODE_TAKEN = _("A competence with this name exists already.")
    NUMBER_TAKEN = _("A course with this number exists already.")
    BAD_DAYS = _("The number of days must be between 0.5 and 200.")
    statuses = {
        StaffCode.UNKNOWN_COMPETENCE: 404,
        StaffCode.NOT_MEMBER: 404,
        StaffCode.NOT_AUTHORISED: 403,
        StaffCode.NO_AUTHORISATION_ID: 403,
        StaffCode.NOT_TRAINER: 403,
    }

    def __init__(self, code: StaffCode, message: object, field: str = "") -> None:
        super().__init__(code, message, field)
