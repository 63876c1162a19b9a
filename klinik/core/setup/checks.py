"""Shape checks of the organisation's and units' numbers and contact fields.

Each returns the message to show at the field, or None when the value is fine; an empty
value is fine (every one of these fields is optional).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.functional import Promise
from stdnum import ean
from stdnum.dk import cvr
from stdnum.exceptions import ValidationError as NumberInvalid

from klinik.core.errors import SetupInvalid


def digits_only(text: str) -> str:
    return re.sub(r"[\s\-]", "", text)


def cvr_problem(value: str) -> Promise | None:
    if not value:
        return None
    try:
        cvr.validate(value)
    except NumberInvalid:
        return SetupInvalid.CVR
    return None


def gln_problem(value: str) -> Promise | None:
    """EAN/GLN: 13 digits with the GS1 check digit."""
    if not value:
        return None
    if len(value) != 13:
        return SetupInvalid.GLN
    try:
        ean.validate(value)
    except NumberInvalid:
        return SetupInvalid.GLN
    return None


def sor_problem(value: str) -> Promise | None:
    return SetupInvalid.SOR if value and not re.fullmatch(r"\d{1,20}", value) else None


def provider_number_problem(value: str) -> Promise | None:
    return SetupInvalid.PROVIDER_NUMBER if value and not re.fullmatch(r"\d{1,7}", value) else None


def compact_phone(text: str) -> str:
    return re.sub(r"[\s\-()]", "", text)


def phone_problem(value: str) -> Promise | None:
    """Danish numbers have 8 digits; foreign ones start with + and a country code."""
    if not value:
        return None
    compact = compact_phone(value)
    if re.fullmatch(r"(\+45|0045)?\d{8}", compact) or re.fullmatch(r"\+\d{7,15}", compact):
        return None
    return SetupInvalid.PHONE


def email_problem(value: str) -> Promise | None:
    if not value:
        return None
    try:
        validate_email(value)
    except ValidationError:
        return SetupInvalid.EMAIL
    return None


def postal_code_problem(value: str) -> Promise | None:
    return SetupInvalid.POSTAL_CODE if value and not re.fullmatch(r"\d{4}", value) else None
