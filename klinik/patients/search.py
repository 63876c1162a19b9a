"""Search keys for the one-box patient search: Danish folding and name tokens.

Stored tokens and queries are folded the same way: lower case, accents removed, and the Danish
letters spelt out (æ→ae, ø→oe, å→aa), so "Søren", "Soeren" and "SØREN" meet. Each word with a
Danish letter is also indexed in its simplified spelling (ø→o, æ→a, å→a), because people type
"Soren" on keyboards without ø.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import Enum

_SPELL_OUT = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "ue"})
_SIMPLIFY = str.maketrans({"æ": "a", "ø": "o", "å": "a"})
_WORD = re.compile(r"[a-z0-9]+")
MAX_TOKEN_LENGTH = 40


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """The search form of a text: lower case, Danish letters spelt out, accents removed."""
    return _strip_accents(text.lower().translate(_SPELL_OUT))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@functools.lru_cache(maxsize=65536)
def name_tokens(*names: str) -> frozenset[str]:
    """Every word of the names, folded, plus the simplified spelling of Danish letters."""
    tokens: set[str] = set()
    for name in names:
        lowered = (name or "").lower()
        tokens.update(_WORD.findall(fold(lowered)))
        if any(ch in lowered for ch in "æøå"):
            tokens.update(_WORD.findall(_strip_accents(lowered.translate(_SIMPLIFY))))
    return frozenset(token[:MAX_TOKEN_LENGTH] for token in tokens)


def words_key(tokens: frozenset[str]) -> str:
    """All of a patient's name tokens, each after a space, for `LIKE '% term%'` checks."""
    return "".join(f" {token}" for token in sorted(tokens))[:300]


def sort_key(given_name: str, family_name: str) -> str:
    return f"{fold(family_name)} {fold(given_name)}"[:200]


def phone_digits(value: str) -> str:
    """Danish phone numbers without spaces, dashes or the +45/0045 prefix."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 10 and digits.startswith("45"):
        digits = digits[2:]
    elif len(digits) == 12 and digits.startswith("0045"):
        digits = digits[4:]
    return digits


class QueryKind(Enum):
    EMPTY = "empty"
    IDENTIFIER = "identifier"  # a whole CPR or replacement number
    BIRTH_DATE = "birth_date"  # the first six digits of a CPR number
    PHONE = "phone"
    NAME = "name"


@dataclass(frozen=True)
class ParsedQuery:
    kind: QueryKind
    value: str = ""  # IDENTIFIER: the number; BIRTH_DATE: DDMMYY; PHONE: the digits
    terms: tuple[str, ...] = ()
    year: int | None = None  # BIRTH_DATE typed with a four-digit year
    phone: str = ""  # BIRTH_DATE that may also be a phone number (eight digits, "21071953")


_IDENT = re.compile(r"^\d{6}-?(\d{4}|\d[A-Za-z]{2}\d)$")
# A birth date as people type it: 210753, 210753-, 21.07.53, 21-07-1953, 21/7 1953, 21.7.1953,
# 21071953 (day, month and year; one or two digit day and month when separated).
_SEPARATED_DATE = re.compile(r"^(\d{1,2})\s*[.\-/\s]\s*(\d{1,2})\s*[.\-/\s]\s*(\d{2}|\d{4})$")
_COMPACT_DATE = re.compile(r"^(\d{2})(\d{2})(\d{4})$")


def _birth_date(text: str) -> ParsedQuery | None:
    """A typed birth date as the CPR number's first six digits (and the century when typed)."""
    squeezed = re.sub(r"\s", "", text)
    if re.fullmatch(r"\d{6}-?", squeezed):
        # Six digits are a CPR prefix as typed, also when not a date (replacement numbers).
        return ParsedQuery(QueryKind.BIRTH_DATE, squeezed[:6])
    match = _SEPARATED_DATE.match(text) or _COMPACT_DATE.match(squeezed)
    if match is None:
        return None
    day, month, year_text = int(match[1]), int(match[2]), match[3]
    year = int(year_text) if len(year_text) == 4 else 2000 + int(year_text)  # a leap-year check
    try:
        date(year, month, day)
    except ValueError:
        return None
    four_digits = len(year_text) == 4
    if four_digits and not 1858 <= year <= 2057:  # the CPR number's centuries
        return None
    return ParsedQuery(
        QueryKind.BIRTH_DATE,
        f"{day:02d}{month:02d}{year_text[-2:]}",
        year=year if four_digits else None,
        phone=squeezed if re.fullmatch(r"\d{8}", squeezed) else "",
    )


def parse_query(raw: str) -> ParsedQuery:
    """Decide what the box holds: a CPR number, a birth date, a phone number or names."""
    text = (raw or "").strip()
    if not text:
        return ParsedQuery(QueryKind.EMPTY)
    squeezed = re.sub(r"\s", "", text)
    if _IDENT.match(squeezed):
        return ParsedQuery(QueryKind.IDENTIFIER, squeezed.replace("-", "").upper())
    birth_date = _birth_date(text)
    if birth_date is not None:
        return birth_date
    if re.fullmatch(r"\+?[\d\-]{8,}", squeezed):
        return ParsedQuery(QueryKind.PHONE, phone_digits(squeezed))
    terms = tuple(dict.fromkeys(t[:MAX_TOKEN_LENGTH] for t in words(text)))
    if not terms:
        return ParsedQuery(QueryKind.EMPTY)
    return ParsedQuery(QueryKind.NAME, terms=terms)
