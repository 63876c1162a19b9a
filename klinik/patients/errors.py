from __future__ import annotations

import uuid
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError

if TYPE_CHECKING:
    from klinik.patients.models import Patient


class PatientCode(StrEnum):
    """The patients app's codes; the first five are on the API's wire."""

    BREAK_GLASS_REQUIRED = "break_glass_required"
    REASON_REQUIRED = "reason_required"
    INVALID = "invalid"
    DUPLICATE = "duplicate"
    SIMILAR = "similar"
    # A CPR or replacement number that does not parse (identifiers.IdentifierError).
    CPR_LENGTH = "cpr_length"
    CPR_CHARACTERS = "cpr_characters"
    CPR_DATE = "cpr_date"
    CPR_FUTURE = "cpr_future"
    ECPR_DIGIT = "ecpr_digit"


class BreakGlassRequired(DomainError):
    """The actor has no care relation to the patient: access needs a reason (break the glass)."""

    MESSAGE = _(
        "The patient is not connected to your unit. State why you need access; "
        "the access is logged and reviewed."
    )

    status = 403
    API_DETAIL = (
        "No care relation to this patient; POST a reason to "
        "/patients/{id}/break-glass for logged emergency access."
    )

    def __init__(self, patient_public_id: uuid.UUID) -> None:
        super().__init__(PatientCode.BREAK_GLASS_REQUIRED, self.MESSAGE)
        self.patient_public_id = patient_public_id

    def api_body(self) -> dict[str, Any]:
        return {"detail": self.API_DETAIL, "code": self.code}


class BreakGlassReasonMissing(DomainError):
    MESSAGE = _("A reason is required to break the glass.")

    def __init__(self) -> None:
        super().__init__(PatientCode.REASON_REQUIRED, self.MESSAGE, field="reason")

    def api_body(self) -> dict[str, Any]:
        return {"detail": "reason: required", "code": self.code}


class PatientInvalid(DomainError):
    """Input the register refuses; `errors` maps each field to its messages."""

    REQUIRED = _("This field is required.")
    TOO_LONG = _("At most %(max)d characters.")
    PHONE = _("A phone number has 8 digits, or + and a country code.")
    EMAIL = _("Type a valid e-mail address.")
    POSTAL_CODE = _("A Danish postal code has 4 digits.")
    BIRTH_DATE_MISMATCH = _("The birth date does not match the CPR number.")
    FUTURE_DATE = _("The date lies in the future.")
    DEATH_BEFORE_BIRTH = _("The date of death lies before the birth date.")
    CHOICE = _("Choose one of the options.")
    UNKNOWN_FIELD = _("Unknown field.")
    RESTRICTED = _("Processing of this patient is restricted; lift the restriction first.")
    NOT_A_REPLACEMENT = _("Only a replacement number is replaced by a CPR number this way.")
    SAME_PATIENT = _("Choose two different patients.")
    ALREADY_MERGED = _("The record has already been merged.")

    def __init__(self, errors: dict[str, list[str]]) -> None:
        field, messages = next(iter(errors.items()))
        super().__init__(PatientCode.INVALID, messages[0], field=field)
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{k}: {', '.join(v)}" for k, v in self.errors.items())

    def field_errors(self) -> dict[str, list[str]]:
        return self.errors

    def api_body(self) -> dict[str, Any]:
        return super().api_body() | {
            "errors": [{"field": f, "message": m} for f, ms in self.errors.items() for m in ms]
        }

    @classmethod
    def one(cls, field: str, message: object) -> PatientInvalid:
        return cls({field: [str(message)]})


class PatientDuplicate(DomainError):
    """The CPR number is registered already in the organisation."""

    MESSAGE = _("A patient with this CPR number is already registered.")
    status = 409

    def __init__(self, existing_public_id: uuid.UUID) -> None:
        super().__init__(PatientCode.DUPLICATE, self.MESSAGE, field="cpr")
        self.existing_public_id = existing_public_id

    def api_body(self) -> dict[str, Any]:
        return super().api_body() | {"field": "cpr", "existing": str(self.existing_public_id)}


class SimilarPatientsExist(DomainError):
    """Patients with the same birth date and a similar name exist; confirm to create anyway."""

    MESSAGE = _(
        "Patients with the same birth date and a similar name exist. Check that this is not "
        "one of them before you create a new record."
    )

    status = 409

    def __init__(self, candidates: list[Patient]) -> None:
        super().__init__(PatientCode.SIMILAR, self.MESSAGE, field="allow_similar")
        self.candidates = candidates
