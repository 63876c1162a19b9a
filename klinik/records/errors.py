"""Errors of the record (EPJ). Messages are constants so tests and the API can assert on them."""

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError


class RecordCode(StrEnum):
    """Every code a refused record operation answers with: the API's `code`."""

    # Anywhere in the record
    IMMUTABLE = "immutable"
    CONTACT_PATIENT = "contact_patient"
    NO_UNIT = "no_unit"
    KIND_UNKNOWN = "kind_unknown"
    TYPE_UNKNOWN = "type_unknown"
    FUTURE = "future"
    TEXT_REQUIRED = "text_required"
    TEXT_TOO_LONG = "text_too_long"
    REASON_REQUIRED = "reason_required"
    # The journal: entries, signing, drafts, the timeline, templates and phrases
    ALREADY_CORRECTED = "already_corrected"
    ALREADY_SIGNED = "already_signed"
    NOT_CURRENT = "not_current"
    NOT_RESPONSIBLE = "not_responsible"
    RESPONSIBLE = "responsible"
    CONTACT_CLOSED = "contact_closed"
    CONTACT_UNKNOWN = "contact_unknown"
    CORRECTS_PATIENT = "corrects_patient"
    DRAFT_MISSING = "draft_missing"
    DRAFT_OWNER = "draft_owner"
    CURSOR_INVALID = "cursor_invalid"
    FILTER_INVALID = "filter_invalid"
    LIMIT_INVALID = "limit_invalid"
    TIME_INVALID = "time_invalid"
    NAME_REQUIRED = "name_required"
    NAME_TAKEN = "name_taken"
    HEADINGS_REQUIRED = "headings_required"
    HEADINGS_TOO_MANY = "headings_too_many"
    SHORTCUT_INVALID = "shortcut_invalid"
    SHORTCUT_TAKEN = "shortcut_taken"
    MERGE_FIELD_UNKNOWN = "merge_field_unknown"
    SCOPE_UNKNOWN = "scope_unknown"
    # Coding: diagnoses, procedures, the problem list, warnings
    CODE_REQUIRED = "code_required"
    CODE_UNKNOWN = "code_unknown"
    CODE_KIND = "code_kind"
    MAIN_EXISTS = "main_exists"
    ALREADY_CODED = "already_coded"
    ALREADY_REMOVED = "already_removed"
    NOT_CODED = "not_coded"
    PROBLEM_STATUS = "problem_status"
    SEVERITY_UNKNOWN = "severity_unknown"
    ATC_INVALID = "atc_invalid"
    NOTE_TOO_LONG = "note_too_long"
    WARNING_INACTIVE = "warning_inactive"
    # Measurements and vaccinations (and the vaccination register export)
    VALUE_REQUIRED = "value_required"
    VALUE_INVALID = "value_invalid"
    VALUE2 = "value2"
    IMPLAUSIBLE = "implausible"
    BEFORE_BIRTH = "before_birth"
    ALREADY_IN_ERROR = "already_in_error"
    VACCINE_REQUIRED = "vaccine_required"
    VACCINE_TOO_LONG = "vaccine_too_long"
    BATCH_NUMBER_REQUIRED = "batch_number_required"
    BATCH_NUMBER_TOO_LONG = "batch_number_too_long"
    DOSE_REQUIRED = "dose_required"
    DOSE_TOO_LONG = "dose_too_long"
    SITE_UNKNOWN = "site_unknown"
    GIVEN_ON_REQUIRED = "given_on_required"
    GIVEN_BY = "given_by"
    ORGANISATION = "organisation"
    # Documents and uploads
    FILE_REQUIRED = "file_required"
    FILE_EMPTY = "file_empty"
    FILE_TOO_LARGE = "file_too_large"
    FILE_TYPE = "file_type"
    FILE_CHANGED = "file_changed"
    PDF_INVALID = "pdf_invalid"
    PDF_ENCRYPTED = "pdf_encrypted"
    PDF_ACTIVE = "pdf_active"
    IMAGE_INVALID = "image_invalid"
    IMAGE_TOO_LARGE = "image_too_large"
    AUDIO_INVALID = "audio_invalid"
    # Dictation
    CONTENT_REQUIRED = "content_required"
    DEADLINE_PAST = "deadline_past"
    PRIORITY_UNKNOWN = "priority_unknown"
    INSTRUCTIONS_TOO_LONG = "instructions_too_long"
    NOT_AUTHOR = "not_author"
    ALREADY_TAKEN = "already_taken"
    NOT_TAKEN = "not_taken"
    NOT_OPEN = "not_open"
    NOT_WAITING = "not_waiting"


class RecordImmutable(DomainError):
    """A saved journal entry (or its signature) is never changed or deleted."""

    MESSAGE = _("A saved journal entry cannot be changed or deleted; write a correction instead.")
    status = 409

    def __init__(self) -> None:
        super().__init__(RecordCode.IMMUTABLE, self.MESSAGE)

    def api_body(self) -> dict[str, Any]:
        return {"detail": self.message, "code": self.code, "field": ""}


class RecordError(DomainError):
    """A refused record operation, with a user-facing message and a stable code. A state
    conflict (already corrected or signed) is a 409, an object rule a 403, else 422."""

    statuses = {
        RecordCode.ALREADY_CORRECTED: 409,
        RecordCode.ALREADY_SIGNED: 409,
        RecordCode.NOT_CURRENT: 409,
        RecordCode.CONTACT_CLOSED: 409,
        RecordCode.IMMUTABLE: 409,
        RecordCode.MAIN_EXISTS: 409,
        RecordCode.ALREADY_CODED: 409,
        RecordCode.ALREADY_IN_ERROR: 409,
        RecordCode.ALREADY_REMOVED: 409,
        RecordCode.WARNING_INACTIVE: 409,
        RecordCode.ALREADY_TAKEN: 409,
        RecordCode.NOT_TAKEN: 409,
        RecordCode.NOT_OPEN: 409,
        RecordCode.NOT_WAITING: 409,
        RecordCode.FILE_TOO_LARGE: 413,
        RecordCode.FILE_TYPE: 415,
        RecordCode.NOT_RESPONSIBLE: 403,
        RecordCode.DRAFT_OWNER: 403,
    }

    def __init__(self, message: object, *, code: RecordCode, field: str = "") -> None:
        super().__init__(code, message, field)

    def api_body(self) -> dict[str, Any]:
        return super().api_body() | {"field": self.field}
