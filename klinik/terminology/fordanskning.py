"""Fordanskning: the Danish spelling of a medical Latin/Greek term by the regular rules.

`danish_spelling("haematoma")` gives "hæmatom", `danish_spelling("Pneumonia")` "Pneumoni".
The rules are regular letter and ending changes only. Danish clinical usage has many words
that do not follow them (diarré, cirrose, pneumothorax, eksem, hernie, katarakt …); those
are exceptions and live in the glossary (data/glossary.tsv, column `regular` = 0), never in
this module: callers look a term up in the glossary first and fall back to the rules.

Sources and status. The rule table is from general knowledge and is NOT verified against a
Danish authority (see the domain notes, shared/domain/README.md §9). The pronunciation
conventions it leans on (ae → æ, oe → ø, c hard before a/o/u/consonants, trema separates
vowels as in "diploë") are those of Medicinske fagudtryk, medicinskefagudtryk.dk/sidebar/udtale/.
The rules were checked against the Danish forms in the glossary, which the tests enforce for
every row marked regular.

Pronunciation is not spelling: Danish pronounces c before e/i/y/æ/ø as "s" but keeps writing
it c (karcinom, appendicitis, encefalitis, leukocyt, recidiv, insufficiens, absces), so this
module never turns c into s, nor cc into ks (vaccination, occipital).

Rules, in the order applied to one lower-cased word:

Letters (left to right)
  ae → æ, oe → ø      unless a trema separates the vowels (diploë) or morphology does: the
                      e begins a stem of its own (gastro|enteritis, thrombo|embolia,
                      electro|encephalographia, intra|epithelialis; stems enter-, encephal-,
                      embol-, endo-, epi-, ecto-, erythr-, enzym-) or the word begins with
                      aer-/anaer- (aerob)
  ch → k, ph → f, th → t (kolera, lymfom, trombose)
  rh → r at the start of a word, rrh → r inside it (reumatisme; arytmi, menoragi,
                      amenoré); an r + h meeting inside a word is a morpheme seam
                      and both stay (hyper|hidrosis → hyperhidrose)
  c → k               before a, o, u, a consonant or at the end (karcinom, akut, infarkt)
  c stays c           before e, i, y, æ, ø (appendicitis, cyanose), except a stem-final c
                      before the suffix -aemia, which is hard (leuc|aemia → leukæmi,
                      glyc|aemia → glykæmi)
  cc → kk             before a, o, u or a consonant (okklusion); cc before e/i stays
  qu → kv             (frequentia → frekvens)
  x → ks              inside a word (hypoksi, luksation, proksimal); an initial or final x
                      stays (xerostomi, thorax, cervix)
  y, z, k, j and all other letters stay.

Endings (the first that matches; on the respelled word)
  -rrhoea → -ré (amenoré, gonoré), -pnoea → -pnø (dyspnø)
  -iasis stays (psoriasis); -itis stays (appendicitis, bronkitis)
  -osis → -ose, -asis → -ase, -esis → -ese, -ysis → -yse, -oma → -om, -ema → -em
  (tuberkulose, metastase, anamnese, dialyse, karcinom, ødem), when a stem of at least
  two letters precedes the Greek suffix (ptosis → ptose; dosis and koma stay)
  -entia → -ens, -antia → -ans (demens, intolerans); then -ia → -i (anæmi, pneumoni,
  appendektomi, gastroskopi, mammografi, neuralgi, dysplasi, kardiomyopati)
  -tio/-sio → -tion/-sion (infektion, depression), -ica → -ik (kolik, alloplastik)
  -icus → -isk (kronisk); -icum stays, as in drug nouns (antibiotikum)
  -abilis → -abel, -ibilis → -ibel after a stem of three or more letters (palpabel,
  reversibel; stabilis → stabil); -rialis/-tialis → -riel/-tiel (arteriel, essentiel);
  -alis → -al; -ularis → -ulær; -arius → -ær (primær); -ilis → -il (febril)
  -osus → -øs (venøs), -aneus → -an (subkutan), -itas → -itet (graviditet)
  -ura after a consonant → -ur (fraktur, ruptur, mikstur; pleura stays)
  -ulus/-ula/-ulum after a consonant → -el (muskel, kapsel, fistel, tuberkel)
  -ium → -ie (kranie, ovarie)
  -us/-um after a consonant are dropped when at least four letters remain (infarctus →
  infarkt, acutus → akut, ligamentum → ligament; virus, sinus, ulcus, tonus keep them);
  after a stem ending in consonant + m, or mb, an -e is added (spasme, rytme, reumatisme,
  trombe); a final double consonant is made single (abscessus → absces)

Words and phrases
  A phrase of more than one word (adjective + noun, genitive constructions such as
  "fractura colli femoris", "status praesens") is kept Latin: it is returned unchanged
  except that runs of whitespace become one space. Abbreviations (a word with a full stop,
  such as "p.o." or "dxt.", or an all-capital word such as "UNS") and words with digits are
  returned unchanged. The parts of a hyphenated word are spelled one by one.
  The first letter keeps its case (Oedema → Ødem); the rest of the word is lower-cased.

Pure function, no Django imports.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["danish_spelling"]

_VOWELS = frozenset("aeiouyæøåéëï")
_SOFT = frozenset("eiyæøéëï")
# Stems beginning with e that follow a combining vowel (-o-, -a-) without merging with it.
_E_STEMS = ("enter", "encephal", "embol", "endo", "epi", "ecto", "erythr", "enzym")


def danish_spelling(latin: str) -> str:
    """The Danish spelling of a medical Latin/Greek term by the regular rules; a phrase of
    several words is kept Latin (returned with normalised spacing)."""
    words = latin.split()
    if len(words) != 1:
        return " ".join(words)
    return _word(words[0])


@lru_cache(maxsize=4096)
def _word(word: str) -> str:
    if "." in word or any(ch.isdigit() for ch in word) or (len(word) > 1 and word.isupper()):
        return word
    if "-" in word:
        return "-".join(_word(part) if part else part for part in word.split("-"))
    spelled = _endings(_letters(_diphthongs(word.lower())))
    if word[0].isupper():
        spelled = spelled[:1].upper() + spelled[1:]
    return spelled


def _diphthongs(s: str) -> str:
    """ae → æ and oe → ø where the two letters are one vowel."""
    out: list[str] = []
    i = 0
    while i < len(s):
        pair = s[i : i + 2]
        if pair in ("ae", "oe") and not _vowels_apart(s, i):
            out.append("æ" if pair == "ae" else "ø")
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def _vowels_apart(s: str, i: int) -> bool:
    """Whether the a/o at `i` and the e after it belong to different morphemes."""
    if i > 0 and s.startswith(_E_STEMS, i + 1):
        return True
    return s[i : i + 3] == "aer" and s[:i] in ("", "an")


def _letters(s: str) -> str:
    out: list[str] = []
    i = 0
    n = len(s)
    while i < n:
        ch = s[i]
        nxt = s[i + 1] if i + 1 < n else ""
        if ch == "c":
            if nxt == "h":
                out.append("k")
                i += 2
            elif nxt == "c":
                after = s[i + 2] if i + 2 < n else ""
                if after == "h":  # c + ch: the first c is hard, ch follows
                    out.append("k")
                    i += 1
                elif after in _SOFT:
                    out.append("cc")
                    i += 2
                else:
                    out.append("kk")
                    i += 2
            elif nxt in _SOFT and not s.startswith("æmi", i + 1):
                out.append("c")
                i += 1
            else:
                out.append("k")
                i += 1
        elif ch in "pt" and nxt == "h":
            out.append("f" if ch == "p" else "t")
            i += 2
        elif ch == "r" and s.startswith("rh", i + 1):
            out.append("r")
            i += 3
        elif ch == "r" and nxt == "h" and i == 0:
            out.append("r")
            i += 2
        elif ch == "q" and nxt == "u":
            out.append("kv")
            i += 2
        elif ch == "x" and 0 < i < n - 1:
            out.append("ks")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _is_consonant(ch: str) -> bool:
    return ch.isalpha() and ch not in _VOWELS


def _endings(s: str) -> str:
    for kept in ("iasis", "itis", "ikum"):
        if s.endswith(kept):
            return s
    for old, new in (("røa", "ré"), ("øa", "ø")):
        if s.endswith(old):
            return s[: -len(old)] + new
    # Greek suffixes need a stem of two letters or more (ptosis → ptose; dosis, koma stay).
    for old, new in (
        ("osis", "ose"),
        ("asis", "ase"),
        ("esis", "ese"),
        ("ysis", "yse"),
        ("oma", "om"),
        ("ema", "em"),
    ):
        if s.endswith(old) and len(s) - len(old) >= 2:
            return s[: -len(old)] + new
    for old, new in (
        ("entia", "ens"),
        ("antia", "ans"),
        ("ia", "i"),
        ("tio", "tion"),
        ("sio", "sion"),
        ("ika", "ik"),
        ("ikus", "isk"),
    ):
        if s.endswith(old):
            return s[: -len(old)] + new
    for old, new in (("abilis", "abel"), ("ibilis", "ibel")):
        if s.endswith(old) and len(s) - len(old) >= 3:
            return s[: -len(old)] + new
    for old, new in (
        ("rialis", "riel"),
        ("tialis", "tiel"),
        ("alis", "al"),
        ("ularis", "ulær"),
        ("arius", "ær"),
        ("ilis", "il"),
        ("osus", "øs"),
        ("aneus", "an"),
        ("itas", "itet"),
    ):
        if s.endswith(old):
            return s[: -len(old)] + new
    if s.endswith("ura") and len(s) > 3 and _is_consonant(s[-4]):
        return s[:-3] + "ur"
    for old in ("ulus", "ula", "ulum"):
        if s.endswith(old) and len(s) > len(old) and _is_consonant(s[-len(old) - 1]):
            return s[: -len(old)] + "el"
    if s.endswith("ium"):
        return s[:-3] + "ie"
    if s.endswith(("us", "um")) and len(s) >= 6 and _is_consonant(s[-3]):
        return _close_stem(s[:-2])
    return s


def _close_stem(stem: str) -> str:
    """A stem left by a dropped -us/-um, made a Danish word ending."""
    if stem.endswith("mb") or (stem.endswith("m") and _is_consonant(stem[-2])):
        return stem + "e"
    if stem[-1] == stem[-2] and _is_consonant(stem[-1]):
        return stem[:-1]
    return stem
