"""Who the visitor says they are: the shape of names and contact details typed on the public
booking page, checked before anything is looked up."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from klinik.patients.search import words
from klinik.scheduling.online.errors import OnlineError

# Besides letters: what real names hold ("Anne-Marie", "O'Brien", "J. P.").
NAME_PUNCTUATION = frozenset(" -'\u2019.")  # \u2019: the typographic apostrophe
# A web address spelt with letters and dots only ("evil.com", "www.x.dk"): not a name.
_WEB_ADDRESS = re.compile(r"\bwww\.|[^\W\d_]{2,}\.[^\W\d_]{2,}", re.IGNORECASE)


@dataclass(frozen=True)
class Identity:
    """Who the visitor is: an existing patient of the organisation, or one to register; and
    whether they want the confirmation and reminders by SMS or e-mail."""

    given_name: str
    family_name: str
    cpr: str
    phone: str
    email: str
    patient_id: str = ""  # public id of the existing patient, if one matched
    consent_sms: bool = False
    consent_email: bool = False

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def cpr_masked(self) -> str:
        return f"{self.cpr[:6]}-xxxx"


def name_checked(text: str, field: str) -> str:
    """The name with its spaces tidied; OnlineError unless it is letters (and the punctuation
    of names). The form is anonymous: markup, braces, digits and web addresses typed as a
    name would reach the staff's screens, letters and messages."""
    name = " ".join(text.split())
    is_name = (
        any(ch.isalpha() for ch in name)
        and all(
            ch.isalpha() or ch in NAME_PUNCTUATION or unicodedata.category(ch).startswith("M")
            for ch in name
        )
        and not _WEB_ADDRESS.search(name)
    )
    if not is_name:
        raise OnlineError(OnlineError.NAME, field=field)
    return name


def compact_phone(text: str) -> str:
    compact = "".join(ch for ch in text if ch.isdigit() or ch == "+")
    if compact.startswith("+45") and len(compact) == 11:
        return compact[3:]
    if compact.startswith("0045") and len(compact) == 12:
        return compact[4:]
    return compact


def contact_checked(
    *, phone: str, email: str, consent_sms: bool, consent_email: bool
) -> tuple[str, str]:
    """The phone number (compact) and e-mail address; OnlineError when neither is given, one
    is malformed, or a message channel is chosen without its number or address."""
    phone = compact_phone(phone.strip())
    email = email.strip()
    if not phone and not email:
        raise OnlineError(OnlineError.CONTACT_REQUIRED, field="phone")
    if phone and not (
        (len(phone) == 8 and phone.isdigit())
        or (phone.startswith("+") and phone[1:].isdigit() and 8 <= len(phone) - 1 <= 15)
    ):
        raise OnlineError(OnlineError.PHONE, field="phone")
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise OnlineError(OnlineError.EMAIL, field="email") from exc
    if consent_sms and not phone:
        raise OnlineError(OnlineError.CONSENT_SMS_NO_PHONE, field="phone")
    if consent_email and not email:
        raise OnlineError(OnlineError.CONSENT_EMAIL_NO_ADDRESS, field="email")
    return phone, email


def names_match(typed_given: str, typed_family: str, registered: str) -> bool:
    """The typed family name's words and the first given name are in the registered name
    (folded: "Soeren" matches "Søren")."""
    known = set(words(registered))
    family = words(typed_family)
    given = words(typed_given)
    return bool(family) and set(family) <= known and bool(given) and given[0] in known
