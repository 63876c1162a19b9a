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
    value: str = ""
    terms: tuple[str, ...] = ()


_IDENT = re.compile(r"^\d{6}-?(\d{4}|\d[A-Za-z]{2}\d)$")


def parse_query(raw: str) -> ParsedQuery:
    """Decide what the box holds: a CPR number, a birth date, a phone number or names."""
    text = (raw or "").strip()
    if not text:
        return ParsedQuery(QueryKind.EMPTY)
    squeezed = re.sub(r"\s", "", text)
    if _IDENT.match(squeezed):
        return ParsedQuery(QueryKind.IDENTIFIER, squeezed.replace("-", "").upper())
    if re.fullmatch(r"\d{6}-?", squeezed):
        return ParsedQuery(QueryKind.BIRTH_DATE, squeezed[:6])
    if re.fullmatch(r"\+?[\d\-]{8,}", squeezed):
        return ParsedQuery(QueryKind.PHONE, phone_digits(squeezed))
    terms = tuple(dict.fromkeys(t[:MAX_TOKEN_LENGTH] for t in words(text)))
    if not terms:
        return ParsedQuery(QueryKind.EMPTY)
    return ParsedQuery(QueryKind.NAME, terms=terms)
