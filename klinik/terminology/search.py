"""The in-process index behind terminology type-ahead: pure Python, no database.

Texts and queries are folded alike (lower case, accents off, æ→ae, ø→oe, å→aa) and split into
words. A query matches an entry when each of its words is the beginning of one of the entry's
words, in any order. Every word is also indexed by its *sound key*, which makes Latin and
Danish spellings meet (bronchitis/bronkitis, oesophagus/øsofagus, cystitis/cystit), and when
that finds too little, words within one or two typing errors of the query's words count too.
Codes match by prefix, ignoring case, spaces and dots; an ICD-10 code (J06.9) finds its SKS
diagnosis code (DJ069).

Entries are numbered in a static order (valid codes before retired ones, diagnoses first,
then shorter texts), and every word's list of entries is in that order. The query word with
the fewest entries drives: its entries are read in that order, the other words are checked on
each entry's word string, and reading stops once enough matches are found; only those are
scored. So a two-letter prefix over the full SKS reads a few hundred entries, not thousands.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from typing import TYPE_CHECKING

from rapidfuzz import process
from rapidfuzz.distance import OSA

from klinik.terminology.choices import REGISTER_ORDER, HitKind

if TYPE_CHECKING:
    from klinik.terminology.phrases import PhraseTable

_SPELT_OUT = (("æ", "ae"), ("ø", "oe"), ("å", "aa"), ("ä", "ae"), ("ö", "oe"), ("ü", "ue"))
_SIMPLE = (("æ", "a"), ("ø", "o"), ("å", "a"))
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
COLLECT_MIN = 60  # matches scored per query at least (more for a larger limit)
MAX_EXAMINED = 20_000  # entries read per query at most
MAX_EXAMINED_FUZZY = 5_000
SMALL_UNION = 2_000  # up to this many postings, a set union beats a lazy merge
SET_LIMIT = 50_000  # postings of a query word up to which its entries are intersected as sets
EXPAND_TERMS = 2  # glossary terms whose Danish form is searched too
EXPAND_MIN_SCORE = 0.8
FUZZY_MIN_LENGTH = 5  # shorter words have too many neighbours one error away
MAX_FUZZY_FORMS = 20  # nearest misspelt prefixes kept per query word


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """The search form of a text: lower case, Danish letters spelt out, accents removed."""
    text = text.lower()
    if text.isascii():
        return text
    for letter, spelt in _SPELT_OUT:  # str.replace beats str.translate on short texts
        text = text.replace(letter, spelt)
    return _strip_accents(text)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@functools.lru_cache(maxsize=1 << 18)
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


@dataclass(slots=True)  # not frozen: a frozen dataclass is slower to make, 100k+ times
class Entry:
    kind: str
    text: str  # what a hit shows: the code's text, the term's Danish form
    code: str | None = None
    register: str | None = None
    latin: str | None = None
    danish: str | None = None
    plain: str | None = None
    category: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    primary: tuple[str, ...] = ()  # folded words of the text (codes) or Latin and Danish
    secondary: tuple[str, ...] = ()  # sound keys, simple spellings, plain-language words
    key: str = ""  # all the words, each after a space: " akut oevre ovre"

    def is_valid_on(self, on: date) -> bool:
        if self.valid_from is not None and self.valid_from > on:
            return False
        return self.valid_to is None or self.valid_to >= on


def _entry(primary: tuple[str, ...], secondary: tuple[str, ...], **fields: object) -> Entry:
    primary = tuple(sys.intern(w) for w in primary)  # one string per word for the index
    secondary = tuple(sys.intern(w) for w in secondary)
    key = "".join(f" {w}" for w in primary + secondary)
    return Entry(primary=primary, secondary=secondary, key=key, **fields)  # type: ignore[arg-type]


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
    return _entry(
        primary,
        _variants(primary, text),
        kind=kind,
        text=text,
        code=code,
        register=register,
        valid_from=valid_from,
        valid_to=valid_to,
    )


def term_entry(*, latin: str, danish: str, plain: str, category: str = "") -> Entry:
    primary = tuple(dict.fromkeys(words(latin) + words(danish)))
    plain_words = tuple(w for w in dict.fromkeys(words(plain)) if w not in primary)
    return _entry(
        primary,
        plain_words + _variants(primary + plain_words, f"{danish} {plain}"),
        kind=HitKind.TERM.value,
        text=danish,
        latin=latin,
        danish=danish,
        plain=plain or None,
        category=category or None,
    )


def _variants(known: tuple[str, ...], text: str) -> tuple[str, ...]:
    """Other forms the words are typed in: their sound keys, and the simple spelling of
    Danish letters (ø→o, æ→a, å→a: "ovre" for "øvre"), as on keyboards without them."""
    forms = [sound(w) for w in known]
    lowered = text.lower()
    if not lowered.isascii() and ("æ" in lowered or "ø" in lowered or "å" in lowered):
        for letter, simple in _SIMPLE:
            lowered = lowered.replace(letter, simple)
        simple_words = _WORD.findall(_strip_accents(lowered))
        forms += simple_words + [sound(w) for w in simple_words]
    return tuple(dict.fromkeys(w for w in forms if w not in known and len(w) > 1))


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float


@dataclass(frozen=True, slots=True)
class TextMatch:
    start: int
    end: int
    entry: Entry  # the glossary term, or the head of a phrase the glossary does not list
    # For such a phrase: the phrase, and the Danish and lay renderings made by rule.
    latin: str | None = None
    danish: str | None = None
    plain: str | None = None


def _static_rank(today: date) -> Callable[[Entry], tuple[object, ...]]:
    def rank(entry: Entry) -> tuple[object, ...]:
        return (
            not entry.is_valid_on(today),
            _REGISTER_RANK.get(entry.register or "", len(_REGISTER_RANK)),
            len(entry.text),
            entry.code or entry.latin or "",
        )

    return rank


class Index:
    """Entries with a sorted vocabulary of their words and, per word, its entries' numbers."""

    def __init__(self, entries: list[Entry], *, today: date) -> None:
        self.entries = sorted(entries, key=_static_rank(today))
        by_word: defaultdict[str, list[int]] = defaultdict(list)
        for number, entry in enumerate(self.entries):
            for word in dict.fromkeys(entry.primary + entry.secondary):
                by_word[word].append(number)
        self.vocabulary = sorted(by_word)
        self.postings = [by_word[w] for w in self.vocabulary]
        # Running total of postings: the entries under a prefix are counted by two lookups.
        self.cumulative = [0, *accumulate(len(p) for p in self.postings)]
        self.codes = sorted((e.code, n) for n, e in enumerate(self.entries) if e.code)
        self._prefixes: dict[tuple[int, str], list[str]] = {}

    # Looking up -------------------------------------------------------------------------------

    def _range(self, prefix: str) -> tuple[int, int]:
        low = bisect.bisect_left(self.vocabulary, prefix)
        high = bisect.bisect_left(self.vocabulary, prefix + "\x7f", lo=low)
        return low, high

    def _count(self, forms: dict[str, int]) -> int:
        total = 0
        for form in forms:
            low, high = self._range(form)
            total += self.cumulative[high] - self.cumulative[low]
        return total

    def _stream(self, token: str, forms: dict[str, int]) -> Iterator[int]:
        """Entry numbers with a word beginning with one of `forms`, in static order (those
        with the whole word `token` first), each once."""
        first: set[int] = set()
        exact = bisect.bisect_left(self.vocabulary, token)
        if exact < len(self.vocabulary) and self.vocabulary[exact] == token:
            first.update(self.postings[exact][:COLLECT_MIN])
            yield from self.postings[exact][:COLLECT_MIN]
        lists = []
        for form in forms:
            low, high = self._range(form)
            lists += self.postings[low:high]
        if sum(len(p) for p in lists) <= SMALL_UNION:
            yield from sorted(set().union(*lists) - first)
            return
        previous = -1
        for number in heapq.merge(*lists):
            if number != previous and number not in first:
                yield number
            previous = number

    def _numbers(self, forms: dict[str, int]) -> set[int]:
        """Entry numbers with a word beginning with one of `forms`."""
        found: set[int] = set()
        for form in forms:
            low, high = self._range(form)
            found.update(*self.postings[low:high])
        return found

    def _fuzzy_forms(self, token: str) -> dict[str, int]:
        """Beginnings of vocabulary words within 1 (2 from seven letters) typing errors of
        `token`, with their errors; the first letter is taken as typed."""
        allowed = 1 if len(token) < 7 else 2
        found: dict[str, int] = {}
        for length in (len(token) - 1, len(token), len(token) + 1):
            choices = self._prefixes_of(length, token[0])
            for choice, distance, _position in process.extract(
                token, choices, scorer=OSA.distance, score_cutoff=allowed, limit=None
            ):
                if distance < found.get(choice, allowed + 1):
                    found[choice] = int(distance)
        nearest = sorted(found.items(), key=lambda item: (item[1], item[0]))[:MAX_FUZZY_FORMS]
        return dict(nearest)

    def _prefixes_of(self, length: int, first: str) -> list[str]:
        """The distinct `length`-letter beginnings of vocabulary words starting with `first`."""
        if (length, first) not in self._prefixes:
            low, high = self._range(first)
            self._prefixes[length, first] = list(
                dict.fromkeys(w[:length] for w in self.vocabulary[low:high] if len(w) >= length)
            )
        return self._prefixes[length, first]

    def _code_hits(self, query: str, limit: int) -> dict[int, float]:
        """Codes beginning with the query. Without a digit the query is more likely a word
        (`ala`, `ben`), so such prefixes rank below good text matches."""
        key = code_key(query)
        if len(key) < 2 or not _CODE_QUERY.match(key):
            return {}
        has_digit = any(ch.isdigit() for ch in key)
        hits: dict[int, float] = {}
        for prefix in code_candidates(key):
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

        collect = max(COLLECT_MIN, 3 * limit)
        scores = {n: s for n, s in self._code_hits(query, limit).items() if wanted(self.entries[n])}
        tokens = list(dict.fromkeys(words(query)))
        if tokens:
            found = self._text_hits(tokens, fuzzy=False, wanted=wanted_or_term, collect=collect)
            if len(found) < min(limit, 5) and any(len(t) >= FUZZY_MIN_LENGTH for t in tokens):
                fuzzy = self._text_hits(tokens, fuzzy=True, wanted=wanted_or_term, collect=collect)
                found = fuzzy | found
            for number, score in found.items():
                if wanted(self.entries[number]):
                    scores[number] = max(scores.get(number, 0.0), score)
            # A Latin term finds the codes written in its Danish form or plain word
            # (otitis media → "mellemørebetændelse"), ranked just below it.
            terms = sorted(
                (s, n)
                for n, s in found.items()
                if self.entries[n].kind == HitKind.TERM and s >= EXPAND_MIN_SCORE
            )[-EXPAND_TERMS:]
            for term_score, number in terms:
                for form in _expansions(self.entries[number], tokens):
                    expanded = self._text_hits(
                        form, fuzzy=False, wanted=code_wanted, collect=collect
                    )
                    for code, score in expanded.items():
                        scores[code] = max(scores.get(code, 0.0), min(score, term_score) - 0.05)
        # Ties keep the static order (the entry number): diagnoses first, shorter texts first.
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
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
        self,
        tokens: list[str],
        *,
        fuzzy: bool,
        wanted: Callable[[Entry], bool],
        collect: int,
    ) -> dict[int, float]:
        # Per query word: the beginnings it stands for, with their typing errors.
        forms: list[dict[str, int]] = []
        for token in tokens:
            spoken = sound(token)
            # "kkk" sounds like "k": a key much shorter than the word would match everything.
            these = dict.fromkeys(
                (token, spoken) if len(spoken) >= min(len(token), 3) else (token,), 0
            )
            if fuzzy and len(token) >= FUZZY_MIN_LENGTH:
                these = self._fuzzy_forms(token) | these
            forms.append(these)
        counts = [self._count(f) for f in forms]
        order = sorted(range(len(tokens)), key=lambda i: (counts[i], -len(tokens[i])))
        # Several words: intersect the entry sets of those with moderate counts (set
        # operations run in C); the rest are checked on each entry's word string.
        together = [i for i in order if counts[i] <= SET_LIMIT] if len(tokens) > 1 else []
        if len(together) >= 2:
            numbers = set.intersection(*(self._numbers(forms[i]) for i in together))
            stream: Iterable[int] = sorted(numbers)
            checked = [i for i in order if i not in together]
        else:
            stream = self._stream(tokens[order[0]], forms[order[0]])
            checked = order[1:]
        checks = [[f" {f}" for f in forms[i]] for i in checked]
        matched: list[int] = []
        most = MAX_EXAMINED_FUZZY if fuzzy else MAX_EXAMINED
        for examined, number in enumerate(stream):
            if examined >= most or len(matched) >= collect:
                break
            entry = self.entries[number]
            if wanted(entry) and all(any(c in entry.key for c in check) for check in checks):
                matched.append(number)
        scores: dict[int, float] = {}
        for number in matched:
            entry = self.entries[number]
            qualities = [_quality(entry, t, f) for t, f in zip(tokens, forms, strict=True)]
            score = 0.5 + 0.3 * sum(qualities) / len(qualities)
            if entry.primary and entry.primary[0].startswith(tokens[0]):
                score += 0.08
            if entry.kind == HitKind.TERM:
                score = max(score, _lay_score(entry.plain, tokens))
            scores[number] = min(score, 0.89)
        return scores

    # Marking terms in a text ------------------------------------------------------------------

    @functools.cached_property
    def _phrase_table(self) -> PhraseTable:
        # Imported here: phrases.py builds on this module. Made on first use: only the note
        # editor needs it, not type-ahead.
        from klinik.terminology.phrases import PhraseTable

        return PhraseTable(entry for entry in self.entries if entry.latin)

    def phrases_in(self, text: str) -> list[TextMatch]:
        """Glossary Latin terms in `text` — also in their genitive and adjective forms and
        as the phrases these make (phrases.py) — longest first, not overlapping."""
        return self._phrase_table.find(text)


_PARENTHESES = re.compile(r"\([^)]*\)")


def _expansions(term: Entry, tokens: list[str]) -> list[list[str]]:
    """The query words to search codes by for a glossary term the query found: its Danish
    form, and its plain rendering when that is a word or two ("mellemørebetændelse")."""
    found = []
    danish = list(dict.fromkeys(words(term.danish or "")))
    if danish and danish != tokens:
        found.append(danish)
    plain = list(dict.fromkeys(words(_PARENTHESES.sub(" ", term.plain or ""))))
    if plain and len(plain) <= 2 and plain != danish and plain != tokens:
        found.append(plain)
    return found


# Little words of a lay term a query may leave out ("blodprop hjertet").
_LAY_OPTIONAL = frozenset({"i", "paa", "af", "og", "med", "til", "ved", "for", "en", "et", "den"})
LAY_PREFIX_MIN = 4  # letters of a query word that may stand for a whole word of a lay term


@functools.lru_cache(maxsize=8192)
def _lay_words(plain: str | None) -> tuple[str, ...]:
    """The words of a plain rendering's lay term (before any explanation in parentheses)."""
    return tuple(words((plain or "").split("(", 1)[0]))


def _lay_score(plain: str | None, tokens: list[str]) -> float:
    """A query that says a glossary term's lay term ("sukkersyge", "forhøjet blodtr") finds
    the term as well as its Latin or Danish form would, and so the codes written with them;
    a word of an explanation does not."""
    lay = _lay_words(plain)
    if not lay:
        return 0.0
    exact = True
    for token in tokens:
        if token in lay:
            continue
        if len(token) < LAY_PREFIX_MIN or not any(w.startswith(token) for w in lay):
            return 0.0
        exact = False
    for word in lay:
        if word not in _LAY_OPTIONAL and not any(
            word == t or (len(t) >= LAY_PREFIX_MIN and word.startswith(t)) for t in tokens
        ):
            return 0.0
    return 0.88 if exact else 0.85


def _quality(entry: Entry, token: str, forms: dict[str, int]) -> float:
    """How well one query word matches an entry: 1 a whole word … 0 not at all."""
    best = 0.0
    for word in entry.primary:
        if word == token:
            return 1.0
        if word.startswith(token):
            best = 0.9
    if best:
        return best
    for word in entry.primary + entry.secondary:
        for form, errors in forms.items():
            if word.startswith(form):
                best = max(best, 0.75 if errors == 0 else 0.6 - 0.1 * errors)
    return best
