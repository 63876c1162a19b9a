"""Person identifiers: CPR numbers and replacement numbers (erstatnings-CPR).

A CPR number is validated with python-stdnum (ten digits, a real birth date with the century
from digit 7, not in the future). The modulus-11 check is only a warning: numbers issued since
2007 may fail it and must never be refused. Replacement numbers have letters in positions 8-9:
national X-eCPR (digit 7 is 1 or 7) and local D-eCPR (digit 7 is 0, 5 or 6).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from stdnum.dk import cpr as stdnum_cpr
from stdnum.exceptions import InvalidComponent, ValidationError

from klinik.core.errors import DomainError
from klinik.patients.choices import IdentifierKind, Sex
from klinik.patients.errors import PatientCode

_ECPR = re.compile(r"^(\d{2})(\d{2})(\d{2})(\d)([A-Z]{2})(\d)$")
# Century of a replacement number by digit 7.
_ECPR_CENTURY = {
    IdentifierKind.X_ECPR: {"1": 1900, "7": 2000},
    IdentifierKind.D_ECPR: {"0": 1900, "5": 1800, "6": 2000},
}


class IdentifierError(DomainError, ValueError):
    """A number that is no CPR or replacement number; the message says why. A ValueError
    too, as a number that does not parse always was."""

    LENGTH = _("A CPR number has 10 digits (DDMMYY-XXXX).")
    CHARACTERS = _("A CPR number has only digits; a replacement number looks like 010190-1AB2.")
    DATE = _("The CPR number does not contain a valid birth date.")
    FUTURE = _("The birth date in the CPR number lies in the future.")
    ECPR_DIGIT = _("In a replacement number digit 7 is 1 or 7 (national) or 0, 5 or 6 (local).")

    MESSAGES: ClassVar[Mapping[PatientCode, Promise]] = {
        PatientCode.CPR_LENGTH: LENGTH,
        PatientCode.CPR_CHARACTERS: CHARACTERS,
        PatientCode.CPR_DATE: DATE,
        PatientCode.CPR_FUTURE: FUTURE,
        PatientCode.ECPR_DIGIT: ECPR_DIGIT,
    }

    def __init__(self, code: PatientCode) -> None:
        super().__init__(code, self.MESSAGES[code])


MODULUS11_WARNING = _(
    "The CPR number does not pass the modulus-11 check. Numbers issued since 2007 may not, "
    "so it can still be right: check it against the health insurance card."
)


@dataclass(frozen=True)
class ParsedIdentifier:
    kind: IdentifierKind
    value: str  # compact: ten characters, letters upper-case
    birth_date: date
    sex: Sex
    passes_modulus11: bool

    @property
    def display(self) -> str:
        return f"{self.value[:6]}-{self.value[6:]}"

    @property
    def warnings(self) -> list[str]:
        if self.kind == IdentifierKind.CPR and not self.passes_modulus11:
            return [str(MODULUS11_WARNING)]
        return []


def compact_identifier(value: str) -> str:
    return re.sub(r"[\s\-]", "", value or "").upper()


def parse_identifier(value: str, *, today: date | None = None) -> ParsedIdentifier:
    """Parse a CPR or replacement number, or raise IdentifierError with a message to show."""
    compact = compact_identifier(value)
    if len(compact) != 10:
        if compact and not re.fullmatch(r"[0-9A-Z]*", compact):
            raise IdentifierError(PatientCode.CPR_CHARACTERS)
        raise IdentifierError(PatientCode.CPR_LENGTH)
    if compact.isdigit():
        return _parse_cpr(compact, today or timezone.localdate())
    match = _ECPR.match(compact)
    if match is None:
        raise IdentifierError(PatientCode.CPR_CHARACTERS)
    return _parse_ecpr(compact, match, today or timezone.localdate())


def _parse_cpr(compact: str, today: date) -> ParsedIdentifier:
    try:
        birth = stdnum_cpr.get_birth_date(compact)
    except InvalidComponent as exc:
        raise IdentifierError(PatientCode.CPR_DATE) from exc
    except ValidationError as exc:
        raise IdentifierError(PatientCode.CPR_DATE) from exc
    if birth > today:
        raise IdentifierError(PatientCode.CPR_FUTURE)
    return ParsedIdentifier(
        kind=IdentifierKind.CPR,
        value=compact,
        birth_date=birth,
        sex=Sex.MALE if int(compact[9]) % 2 else Sex.FEMALE,
        passes_modulus11=stdnum_cpr.checksum(compact) == 0,
    )


def _parse_ecpr(compact: str, match: re.Match[str], today: date) -> ParsedIdentifier:
    day, month, yy, digit7, _letters, gender = match.groups()
    kind = next((k for k, centuries in _ECPR_CENTURY.items() if digit7 in centuries), None)
    if kind is None:
        raise IdentifierError(PatientCode.ECPR_DIGIT)
    try:
        birth = date(_ECPR_CENTURY[kind][digit7] + int(yy), int(month), int(day))
    except ValueError as exc:
        raise IdentifierError(PatientCode.CPR_DATE) from exc
    if birth > today:
        raise IdentifierError(PatientCode.CPR_FUTURE)
    return ParsedIdentifier(
        kind=kind,
        value=compact,
        birth_date=birth,
        sex=Sex.MALE if int(gender) % 2 else Sex.FEMALE,
        passes_modulus11=False,
    )
