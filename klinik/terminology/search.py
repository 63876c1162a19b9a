"""The in-process index behind terminology type-ahead: pure Python, no database.

Texts and queries are folded alike (lower case, accents off, æ→ae, ø→oe, å→aa) and split into
words. A query matches an entry when each of its words is the beginning of one of the entry's
words, in any order. Every word is also indexed by its *sound key*, which makes Latin and
Danish spellings meet (bronchitis/bronkitis, oesophagus/øsofagus, cystitis/cystit), and when
that finds too little, words within one or two typing errors of the query's words count too.
Codes match by prefix, ignoring case, spaces and dots; an ICD-10 code (J06.9) finds its SKS
diagnosis code (DJ069).
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate

from rapidfuzz import process
from rapidfuzz.distance import OSA

from klinik.terminology.choices import REGISTER_ORDER, HitKind

_SPELL_OUT = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "ue"})
_SIMPLIFY = str.maketrans({"æ": "a", "ø": "o", "å": "a"})
_WORD = re.compile(r"[a-z0-9]+")
_CODE_QUERY = re.compile(r"^[A-Z][A-Z0-9]*$")
_ICD10 = re.compile(r"^[A-Z][0-9]{2}[A-Z0-9]*$")
# Rewrites in order: Latin digraphs to their Danish sound, then c before front vowels.
_SOUND_RULES = (
    (re.compile(r"ph"), "f"),
    (re.compile(r"th"), "t"),
    (re.compile(r"rh"), "r"),
    (re.compile(r"ch"), "k"),
    (re.compile(r"qu"), "kv"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"c"), "k"),
    (re.compile(r"y"), "i"),
    (re.compile(r"z"), "s"),
    (re.compile(r"([a-z])\1+"), r"\1"),
)
_REGISTER_RANK = {register: rank for rank, register in enumerate(REGISTER_ORDER)}
MAX_DRIVING_POSTINGS = 4000
EXPAND_TERMS = 2  # glossary terms whose Danish form is searched too
EXPAND_MIN_SCORE = 0.8  # a very short, very common prefix reads at most this many entries
FUZZY_MIN_LENGTH = 5  # shorter words have too many neighbours one error away


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
def sound(word: str) -> str:
    """A folded word's sound key: Latin spelling rewritten the way Danish spells it."""
    for pattern, replacement in _SOUND_RULES:
        word = pattern.sub(replacement, word)
    return word


def code_key(text: str) -> str:
    """A code as typed (`dj06`, `J06.9`, `DJ 069`) in the form SKS writes it."""
    return re.sub(r"[\s.]", "", text).upper()


def code_candidates(text: str) -> list[str]:
    """The SKS codes a typed code may mean: itself, and for an ICD-10 code (`J06.9`) the
    SKS diagnosis code (`DJ069`)."""
    key = code_key(text)
    if not key:
        return []
    return [key, "D" + key] if _ICD10.match(key) else [key]


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str
    text: str  # what a hit shows: the code's text, the term's Danish form
    code: str | None = None
    register: str | None = None
    latin: str | None = None
    danish: str | None = None
    plain: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    primary: tuple[str, ...] = ()  # folded words of the text (codes) or Latin and Danish
    secondary: tuple[str, ...] = ()  # sound keys, plain-language words

    def is_valid_on(self, on: date) -> bool:
        if self.valid_from is not None and self.valid_from > on:
            return False
        return self.valid_to is None or self.valid_to >= on


def code_entry(
    *,
    kind: str,
    register: str,
    code: str,
    text: str,
    valid_from: date | None,
    valid_to: date | None,
) -> Entry:
    primary = tuple(dict.fromkeys(words(text)))
    return Entry(
        kind=kind,
        text=text,
        code=code,
        register=register,
        valid_from=valid_from,
        valid_to=valid_to,
        primary=primary,
        secondary=_variants(primary, text),
    )


def term_entry(*, latin: str, danish: str, plain: str) -> Entry:
    primary = tuple(dict.fromkeys(words(latin) + words(danish)))
    plain_words = tuple(w for w in dict.fromkeys(words(plain)) if w not in primary)
    return Entry(
        kind=HitKind.TERM.value,
        text=danish,
        latin=latin,
        danish=danish,
        plain=plain or None,
        primary=primary,
        secondary=plain_words + _variants(primary + plain_words, f"{danish} {plain}"),
    )


def _variants(known: tuple[str, ...], text: str) -> tuple[str, ...]:
    """Other forms the words are typed in: their sound keys, and the simple spelling of
    Danish letters (ø→o, æ→a, å→a: "ovre" for "øvre"), as on keyboards without them."""
    forms = [sound(w) for w in known]
    if any(ch in text for ch in "æøåÆØÅ"):
        simple = _WORD.findall(_strip_accents(text.lower().translate(_SIMPLIFY)))
        forms += simple + [sound(w) for w in simple]
    return tuple(dict.fromkeys(w for w in forms if w not in known and len(w) > 1))


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float


@dataclass(frozen=True, slots=True)
class TextMatch:
    start: int
    end: int
    entry: Entry


@dataclass
class Index:
    entries: list[Entry]
    vocabulary: list[str] = field(init=False)  # sorted distinct words
    postings: list[tuple[int, ...]] = field(init=False)  # entry ids per vocabulary word
    cumulative: list[int] = field(init=False)  # running total of postings, for estimates
    codes: list[tuple[str, int]] = field(init=False)  # (code, entry id), sorted
    phrases: dict[str, list[tuple[tuple[str, ...], int]]] = field(init=False)
    _truncated: dict[int, tuple[list[str], list[list[int]]]] = field(init=False)

    def __post_init__(self) -> None:
        by_word: dict[str, list[int]] = {}
        for number, entry in enumerate(self.entries):
            for word in dict.fromkeys(entry.primary + entry.secondary):
                by_word.setdefault(word, []).append(number)
        self.vocabulary = sorted(by_word)
        self.postings = [tuple(by_word[w]) for w in self.vocabulary]
        self.cumulative = [0, *accumulate(len(p) for p in self.postings)]
        self.codes = sorted((e.code, n) for n, e in enumerate(self.entries) if e.code)
        # Glossary Latin terms by their first word, longest first (for marking them in notes).
        self.phrases = {}
        for number, entry in enumerate(self.entries):
            if entry.latin:
                latin_words = tuple(words(entry.latin))
                if latin_words:
                    self.phrases.setdefault(latin_words[0], []).append((latin_words, number))
        for candidates in self.phrases.values():
            candidates.sort(key=lambda item: -len(item[0]))
        self._truncated = {}

    # Looking up -------------------------------------------------------------------------------

    def _range(self, prefix: str) -> tuple[int, int]:
        low = bisect.bisect_left(self.vocabulary, prefix)
        high = bisect.bisect_left(self.vocabulary, prefix + "\x7f", lo=low)
        return low, high

    def _estimate(self, variants: Iterable[str]) -> int:
        total = 0
        for variant in variants:
            low, high = self._range(variant)
            total += self.cumulative[high] - self.cumulative[low]
        return total

    def _entries_with_prefix(self, variants: Iterable[str], cap: int) -> set[int]:
        found: set[int] = set()
        for variant in variants:
            low, high = self._range(variant)
            for position in range(low, high):
                found.update(self.postings[position])
                if len(found) >= cap:
                    return found
        return found

    def _fuzzy_words(self, token: str) -> dict[str, int]:
        """Vocabulary words that begin with something within 1-2 typing errors of `token`."""
        allowed = 1 if len(token) < 7 else 2
        found: dict[str, int] = {}
        for length in (len(token) - 1, len(token), len(token) + 1):
            truncated, owners = self._truncations(length)
            for _choice, distance, position in process.extract(
                token, truncated, scorer=OSA.distance, score_cutoff=allowed, limit=None
            ):
                for owner in owners[position]:
                    word = self.vocabulary[owner]
                    if distance < found.get(word, allowed + 1):
                        found[word] = int(distance)
        return found

    def _truncations(self, length: int) -> tuple[list[str], list[list[int]]]:
        if length not in self._truncated:
            positions: dict[str, list[int]] = {}
            for position, word in enumerate(self.vocabulary):
                if len(word) >= length:
                    positions.setdefault(word[:length], []).append(position)
            self._truncated[length] = (list(positions), list(positions.values()))
        return self._truncated[length]

    def _code_hits(self, query: str, limit: int) -> dict[int, float]:
        """Codes beginning with the query. Without a digit the query is more likely a word
        (`ala`, `ben`), so such prefixes rank below good text matches."""
        key = code_key(query)
        if len(key) < 2 or not _CODE_QUERY.match(key):
            return {}
        has_digit = any(ch.isdigit() for ch in key)
        prefixes = code_candidates(key)
        hits: dict[int, float] = {}
        for prefix in prefixes:
            start = bisect.bisect_left(self.codes, (prefix, -1))
            for code, number in self.codes[start : start + 50 * limit]:
                if not code.startswith(prefix):
                    break
                extra = len(code) - len(prefix)
                if extra == 0:
                    score = 1.0
                elif has_digit:
                    score = max(0.95 - 0.01 * extra, 0.9)
                else:
                    score = 0.55
                hits[number] = max(hits.get(number, 0.0), score)
        return hits

    # Searching --------------------------------------------------------------------------------

    def search(
        self, query: str, *, limit: int = 20, kinds: set[str] | None = None, on: date
    ) -> list[Hit]:
        def wanted(entry: Entry) -> bool:
            return (kinds is None or entry.kind in kinds) and entry.is_valid_on(on)

        def wanted_or_term(entry: Entry) -> bool:
            return entry.kind == HitKind.TERM or wanted(entry)

        def code_wanted(entry: Entry) -> bool:
            return entry.kind != HitKind.TERM and wanted(entry)

        scores = {n: s for n, s in self._code_hits(query, limit).items() if wanted(self.entries[n])}
        tokens = list(dict.fromkeys(words(query)))
        if tokens:
            found = self._text_hits(tokens, fuzzy=False, wanted=wanted_or_term)
            if len(found) < min(limit, 5) and any(len(t) >= FUZZY_MIN_LENGTH for t in tokens):
                found = self._text_hits(tokens, fuzzy=True, wanted=wanted_or_term) | found
            for number, score in found.items():
                if wanted(self.entries[number]):
                    scores[number] = max(scores.get(number, 0.0), score)
            # A Latin term finds the codes written in its Danish form (otitis media →
            # "mellemørebetændelse"), ranked just below it.
            terms = sorted(
                (s, n)
                for n, s in found.items()
                if self.entries[n].kind == HitKind.TERM and s >= EXPAND_MIN_SCORE
            )[-EXPAND_TERMS:]
            for term_score, number in terms:
                danish = list(dict.fromkeys(words(self.entries[number].danish or "")))
                if not danish or danish == tokens:
                    continue
                for code, score in self._text_hits(danish, fuzzy=False, wanted=code_wanted).items():
                    scores[code] = max(scores.get(code, 0.0), min(score, term_score) - 0.05)
        ranked = sorted(
            scores.items(),
            key=lambda item: (
                -item[1],
                _REGISTER_RANK.get(self.entries[item[0]].register or "", len(_REGISTER_RANK)),
                len(self.entries[item[0]].text),
                self.entries[item[0]].code or "",
                self.entries[item[0]].text,
            ),
        )
        hits: list[Hit] = []
        seen: set[tuple[str, str]] = set()
        for number, score in ranked:
            entry = self.entries[number]
            identity = ("code", entry.code) if entry.code else ("term", entry.latin or "")
            if identity in seen:  # a code in two registers, or two versions of it
                continue
            seen.add(identity)
            hits.append(Hit(entry, round(score, 4)))
            if len(hits) >= limit:
                break
        return hits

    def _text_hits(
        self, tokens: list[str], *, fuzzy: bool, wanted: Callable[[Entry], bool]
    ) -> dict[int, float]:
        # For each token: the forms it may begin a word with, and fuzzy words with their errors.
        variants = [tuple(dict.fromkeys((t, sound(t)))) for t in tokens]
        fuzzy_words: list[dict[str, int]] = [
            self._fuzzy_words(t) if fuzzy and len(t) >= FUZZY_MIN_LENGTH else {} for t in tokens
        ]
        costs = [
            self._estimate(v) + sum(self._estimate([w]) for w in f)
            for v, f in zip(variants, fuzzy_words, strict=True)
        ]
        driver = min(range(len(tokens)), key=lambda i: (costs[i], -len(tokens[i])))
        candidates = self._entries_with_prefix(variants[driver], MAX_DRIVING_POSTINGS)
        for word in fuzzy_words[driver]:
            candidates.update(self.postings[bisect.bisect_left(self.vocabulary, word)])
        scores: dict[int, float] = {}
        for number in candidates:
            entry = self.entries[number]
            if not wanted(entry):
                continue
            qualities = []
            for token, forms, near in zip(tokens, variants, fuzzy_words, strict=True):
                quality = _quality(entry, token, forms, near)
                if quality == 0.0:
                    break
                qualities.append(quality)
            else:
                score = 0.5 + 0.3 * sum(qualities) / len(qualities)
                if entry.primary and entry.primary[0].startswith(tokens[0]):
                    score += 0.08
                scores[number] = min(score, 0.89)
        return scores

    # Marking terms in a text ------------------------------------------------------------------

    def phrases_in(self, text: str) -> list[TextMatch]:
        """Glossary Latin terms in `text`, longest first, not overlapping."""
        spans = [(m.start(), m.end(), fold(m.group())) for m in _LETTERS.finditer(text)]
        found: list[TextMatch] = []
        position = 0
        while position < len(spans):
            folded = spans[position][2]
            for phrase, number in self.phrases.get(folded, ()):
                end = position + len(phrase)
                if end <= len(spans) and tuple(s[2] for s in spans[position:end]) == phrase:
                    found.append(
                        TextMatch(spans[position][0], spans[end - 1][1], self.entries[number])
                    )
                    position = end
                    break
            else:
                position += 1
        return found


_LETTERS = re.compile(r"[^\W\d_]+")


def _quality(entry: Entry, token: str, forms: tuple[str, ...], near: dict[str, int]) -> float:
    """How well one query word matches an entry: 1 a whole word … 0 not at all."""
    best = 0.0
    for word in entry.primary:
        if word == token:
            return 1.0
        if word.startswith(token):
            best = 0.9
    if best:
        return best
    for word in entry.secondary:
        if any(word.startswith(form) for form in forms):
            return 0.75
    for word in entry.primary + entry.secondary:
        errors = near.get(word)
        if errors is not None:
            best = max(best, 0.6 - 0.1 * errors)
    return best
