"""Latin in a note: glossary terms, their inflected forms and the phrases they make, with the
Danish to offer for each.

The glossary lists a word once, in the nominative ("mamma", "acutus", "lobus inferior",
"dexter"); a note writes "carcinoma mammae", "cholecystitis acuta", "pneumonia lobi
inferioris dextri". A phrase here is a glossary term (the head) followed by adjectives that
agree with it and at most one genitive group — a glossary noun of anatomy in the genitive
with its own adjectives — or such a genitive group alone. The forms come from inflection.py.

Rendering a phrase the glossary does not list:
  * head + adjectives: "akut galdeblærebetændelse" (lay), "akut kolecystitis" (Danish). An
    adjective's Danish must be fordansket (akut, arteriel) and agree with the noun: a Danish
    noun's gender is read from its ending (-om, -em neuter; -itis, -ose, -i, -ion … common),
    and an adjective whose form would change with it is left out when the gender is unknown.
    Lay adjectives must be of the kinds that never change (akut, kronisk, højre, nederste).
  * side words (dexter → højre, sinister → venstre) stand before a body part ("venstre
    bryst"), after anything else ("brystkræft i højre side").
  * a genitive group becomes "i (af, after a procedure) højre nederste lap": only with a
    side word, because Danish needs the definite form without one ("i brystet"), which no
    rule here can give.
A phrase that cannot be rendered as a whole is not offered: its head alone is, as if the
rest were not there ("carcinoma ventriculi" → "carcinoma").

Precision: inflected adjective forms count only after a Latin noun, never on their own
("distale", "normale" are Danish too); a few Latin terms that are everyday Danish words of
another meaning ("ren", "dens") count only in a phrase; abbreviations ("sin.", "p.o.")
only with their full stops; the words of a phrase are separated by spaces only.

`lay_term` and `explanation` read the glossary's plain rendering: a lay term, optionally
followed by an explanation in parentheses — "snue (betændelse i næsens slimhinde)" — or the
explanation alone in parentheses where Danish has no lay word. Only the lay term ever
replaces Latin in a note.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from klinik.terminology.inflection import (
    NOUN_CATEGORIES,
    adjective_forms,
    genitive_forms,
    is_adjective,
)
from klinik.terminology.search import Entry, TextMatch, fold

__all__ = ["PhraseTable", "explanation", "lay_term"]

_LETTERS = re.compile(r"[^\W\d_]+")
_EXPLANATION = re.compile(r"\(([^()]*)\)\s*$")
# Glossary Latin that is also an everyday Danish word of another meaning ("ren sårflade",
# "dens virkning"): only recognised as part of a phrase.
DANISH_HOMOGRAPHS = frozenset({"ren", "dens"})
SIDES = frozenset({"højre", "venstre"})
BOTH_SIDES = "i begge sider"  # bilateralis
_NEUTER = ("om", "em")
_COMMON = ("itis", "ose", "ase", "ese", "yse", "i", "ion", "ens", "ans", "ur", "else", "ning")
_INVARIANT = ("t", "sk", "e")


def lay_term(plain: str | None) -> str | None:
    """The lay term of a plain rendering (before any parenthesis), None when it has none."""
    if not plain:
        return None
    return plain.split("(", 1)[0].strip() or None


def explanation(plain: str | None) -> str | None:
    """The explanation in parentheses at the end of a plain rendering, if any."""
    found = _EXPLANATION.search(plain or "")
    return found.group(1).strip() or None if found else None


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    word: str  # folded


@dataclass(frozen=True, slots=True)
class _Group:
    """A noun (a head term or a genitive) with the adjectives after it."""

    entry: Entry
    adjectives: tuple[Entry, ...]


class PhraseTable:
    """The glossary's Latin, its inflected forms and abbreviations, ready to find in a text."""

    def __init__(self, terms: Iterable[Entry]) -> None:
        self.listed: dict[str, list[tuple[tuple[str, ...], Entry]]] = {}
        self.genitives: dict[str, list[tuple[tuple[str, ...], Entry]]] = {}
        self.adjectives: dict[str, Entry] = {}
        self.abbreviations: dict[str, list[tuple[re.Pattern[str], Entry]]] = {}
        for entry in terms:
            latin = entry.latin or ""
            if "." in latin:
                self._add_abbreviation(latin, entry)
                continue
            words = tuple(fold(w) for w in _LETTERS.findall(latin))
            if not words:
                continue
            self.listed.setdefault(words[0], []).append((words, entry))
            if is_adjective(latin, entry.category or ""):
                for form in adjective_forms(latin.lower()):
                    self.adjectives.setdefault(fold(form), entry)
            if (entry.category or "") in NOUN_CATEGORIES:
                for form in genitive_forms(latin.lower()):
                    folded = tuple(fold(w) for w in form.split())
                    self.genitives.setdefault(folded[0], []).append((folded, entry))
        for table in (self.listed, self.genitives):
            for candidates in table.values():
                candidates.sort(key=lambda item: -len(item[0]))

    def _add_abbreviation(self, latin: str, entry: Entry) -> None:
        letters = _LETTERS.findall(latin)
        if not letters:
            return
        # "p.o." as written, a space allowed after each full stop; no letter may follow.
        pattern = r"\s*".join(re.escape(part) for part in re.split(r"(?<=\.)\s*", latin) if part)
        compiled = re.compile(pattern + r"(?![^\W\d_])", re.IGNORECASE)
        self.abbreviations.setdefault(fold(letters[0]), []).append((compiled, entry))

    # Finding ----------------------------------------------------------------------------------

    def find(self, text: str) -> list[TextMatch]:
        """Latin terms and phrases in `text`, in order, longest first, not overlapping."""
        tokens = [_Token(m.start(), m.end(), fold(m.group())) for m in _LETTERS.finditer(text)]
        found: list[TextMatch] = []
        position = 0
        while position < len(tokens):
            match, taken = self._at(text, tokens, position)
            if match is not None:
                found.append(match)
            position += max(taken, 1)
        return found

    def _at(self, text: str, tokens: list[_Token], i: int) -> tuple[TextMatch | None, int]:
        abbreviation = self._abbreviation(text, tokens, i)
        if abbreviation is not None:
            return abbreviation
        head = self._longest(self.listed, text, tokens, i)
        genitive = self._longest(self.genitives, text, tokens, i)
        if head is not None and (genitive is None or len(head[0]) >= len(genitive[0])):
            words, entry = head
            end = i + len(words)
            if is_adjective(entry.latin or "", entry.category or ""):
                return self._plain_match(tokens, i, end, entry)
            adjectives, end_adjectives = self._adjectives(text, tokens, end)
            group, end_group = self._genitive_group(text, tokens, end_adjectives, attached=True)
            if adjectives or group:
                composed = _compose(_Group(entry, adjectives), group)
                last = end_group if group else end_adjectives
                if composed is not None:
                    return self._phrase(text, tokens, i, last, entry, composed), last - i
            if len(words) == 1 and words[0] in DANISH_HOMOGRAPHS:
                return None, 1
            return self._plain_match(tokens, i, end, entry)
        if genitive is not None:
            group, end = self._genitive_group(text, tokens, i, attached=False)
            if group is not None and group.adjectives:
                composed = _compose(None, group)
                if composed is not None:
                    return self._phrase(text, tokens, i, end, group.entry, composed), end - i
        return None, 1

    def _abbreviation(
        self, text: str, tokens: list[_Token], i: int
    ) -> tuple[TextMatch, int] | None:
        for pattern, entry in self.abbreviations.get(tokens[i].word, ()):
            if i > 0 and text[tokens[i].start - 1 : tokens[i].start] == ".":
                continue  # the middle of another abbreviation
            written = pattern.match(text, tokens[i].start)
            if written is not None:
                taken = sum(1 for t in tokens[i:] if t.start < written.end())
                return TextMatch(written.start(), written.end(), entry), taken
        return None

    def _longest(
        self,
        table: dict[str, list[tuple[tuple[str, ...], Entry]]],
        text: str,
        tokens: list[_Token],
        i: int,
    ) -> tuple[tuple[str, ...], Entry] | None:
        for words, entry in table.get(tokens[i].word, ()):
            end = i + len(words)
            if (
                end <= len(tokens)
                and all(tokens[i + k].word == word for k, word in enumerate(words))
                and _spaced(text, tokens, i, end)
            ):
                return words, entry
        return None

    def _adjectives(self, text: str, tokens: list[_Token], i: int) -> tuple[tuple[Entry, ...], int]:
        """The adjective forms right after token i - 1."""
        found: list[Entry] = []
        while (
            i < len(tokens)
            and tokens[i].word in self.adjectives
            and _spaced(text, tokens, i - 1, i + 1)
        ):
            found.append(self.adjectives[tokens[i].word])
            i += 1
        return tuple(found), i

    def _genitive_group(
        self, text: str, tokens: list[_Token], i: int, *, attached: bool
    ) -> tuple[_Group | None, int]:
        """A genitive noun at `i` with its adjectives; `attached`: it follows a head."""
        if i >= len(tokens) or (attached and not _spaced(text, tokens, i - 1, i + 1)):
            return None, i
        genitive = self._longest(self.genitives, text, tokens, i)
        if genitive is None:
            return None, i
        words, entry = genitive
        adjectives, end = self._adjectives(text, tokens, i + len(words))
        return _Group(entry, adjectives), end

    @staticmethod
    def _plain_match(tokens: list[_Token], i: int, end: int, entry: Entry) -> tuple[TextMatch, int]:
        return TextMatch(tokens[i].start, tokens[end - 1].end, entry), end - i

    @staticmethod
    def _phrase(
        text: str,
        tokens: list[_Token],
        i: int,
        end: int,
        entry: Entry,
        composed: tuple[str | None, str | None],
    ) -> TextMatch:
        start, stop = tokens[i].start, tokens[end - 1].end
        written = " ".join(text[start:stop].split())
        danish, lay = composed
        return TextMatch(
            start, stop, entry, latin=written.lower(), danish=danish or written, plain=lay
        )


def _spaced(text: str, tokens: list[_Token], i: int, end: int) -> bool:
    """Whether the tokens i … end-1 are separated by white space only."""
    return all(
        text[tokens[k].end : tokens[k + 1].start].isspace() for k in range(max(i, 0), end - 1)
    )


# Rendering ----------------------------------------------------------------------------------------


def _compose(head: _Group | None, genitive: _Group | None) -> tuple[str | None, str | None] | None:
    """(Danish, lay) of a phrase the glossary does not list; None when neither can be made."""
    danish = _render(head, genitive, lay=False)
    lay = _render(head, genitive, lay=True)
    if danish is None and lay is None:
        return None
    return danish, lay


def _render(head: _Group | None, genitive: _Group | None, *, lay: bool) -> str | None:
    parts: list[str] = []
    if head is not None:
        rendered = _noun_with_adjectives(head, lay=lay)
        if rendered is None:
            return None
        parts.append(rendered)
    if genitive is not None:
        sides = [a for a in genitive.adjectives if _lay(a) in SIDES]
        if not sides:
            return None  # "i brystet" needs the definite form
        rendered = _noun_with_adjectives(genitive, lay=lay, sides_after=False)
        if rendered is None:
            return None
        after_procedure = head is not None and head.entry.category == "procedure"
        parts.append(("af " if after_procedure else "i ") + rendered)
    return " ".join(parts) or None


def _noun_with_adjectives(group: _Group, *, lay: bool, sides_after: bool = True) -> str | None:
    noun = _lay(group.entry) if lay else group.entry.danish
    if not noun:
        return None
    sides = [_lay(a) for a in group.adjectives if _lay(a) in SIDES]
    both = [a for a in group.adjectives if _lay(a) == BOTH_SIDES]
    others = [a for a in group.adjectives if _lay(a) not in SIDES and _lay(a) != BOTH_SIDES]
    if len(sides) + len(both) > 1 or (both and not sides_after):
        return None
    words: list[str] = []
    for adjective in reversed(others):  # Latin "lobus inferior dexter" → "højre nederste lap"
        form = _adjective(adjective, noun, lay=lay, head_latin=group.entry.latin or "")
        if form is None:
            return None
        words.append(form)
    rendered = " ".join([*words, noun])
    if both:
        return f"{rendered} {BOTH_SIDES}"
    if not sides:
        return rendered
    side = sides[0] or ""
    if group.entry.category in NOUN_CATEGORIES or not sides_after:
        return f"{side} {rendered}"
    return f"{rendered} i {side} side"


def _adjective(adjective: Entry, noun: str, *, lay: bool, head_latin: str) -> str | None:
    if lay:
        form = _lay(adjective)
        return form if form and " " not in form and form.endswith(_INVARIANT) else None
    form = adjective.danish or ""
    if not form or " " in form or form.lower() == (adjective.latin or "").lower():
        return None  # not fordansket: the phrase stays Latin
    if " " in noun and noun.lower() == head_latin.lower():
        return None  # a Latin noun phrase takes no Danish adjective
    if form.endswith(_INVARIANT):
        return form
    gender = _gender(noun)
    if gender == "neuter":
        return form + "t"
    return form if gender == "common" else None


def _gender(noun: str) -> str | None:
    last = noun.lower().split()[-1]
    if last.endswith(_NEUTER):
        return "neuter"
    if last.endswith(_COMMON):
        return "common"
    return None


@lru_cache(maxsize=4096)
def _lay_of(plain: str | None) -> str | None:
    return lay_term(plain)


def _lay(entry: Entry) -> str | None:
    return _lay_of(entry.plain)
