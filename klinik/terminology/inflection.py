"""Latin inflection of glossary words by rule: the genitive of a noun, the forms of an adjective.

A note says "carcinoma mammae", "cholecystitis acuta", "pneumonia lobi inferioris dextri";
the glossary lists "mamma", "acutus", "lobus inferior" and "dexter" once, in the nominative.
These functions give the other forms, so that the glossary need not list them:

Nouns (genitive singular, and plural where the ending is unmistakable)
  -a → -ae, -arum (mamma → mammae); Greek -ma → -matis (diaphragma → diaphragmatis)
  -us, -um → -i, -orum (lobus → lobi, cranium → cranii); -on → -i (colon → coli)
  -o → -onis (pulmo → pulmonis, hypertensio → hypertensionis); -do, -go → -dinis, -ginis
  -itis → -itidis; -ex, -ix → -icis (cortex, cervix); -ax → -acis; -ux → -ucis;
  -nx → -ngis (larynx → laryngis); -men → -minis (abdomen); -or → -oris; -ns → -ntis
  (dens → dentis); -er → -eris (ureter); third-declension genitive plural -is → -um
  (pulmonis → pulmonum). Words of the fourth declension (ductus, manus, plexus, sinus …)
  and -is words (cutis, pelvis, testis) have a genitive equal to the nominative.
  A few are irregular and listed (cor → cordis, hepar → hepatis, femur → femoris …).
  In a phrase of several words (lobus inferior, vena cava) the first word is the noun and
  the others agree with it: lobi inferioris, venae cavae; a word already in the genitive
  (cervix uteri, bulbus oculi) stays.

Adjectives (all genders, the genitive and the plural)
  -us/-a/-um: acutus → acuta, acutum, acuti, acutae, acutorum, acutarum
  -er/-ra/-rum: dexter → dextra, dextrum, dextri, dextrae …; sinister → sinistra …
  -is/-e: lateralis → laterale, lateralis, laterales, lateralia, lateralium
  comparative -ior/-ius: inferior → inferius, inferioris, inferiores, inferiora, inferiorum

Which glossary words are adjectives is told by category and ending: a single word (not an
abbreviation) of the categories `general` or `drug_route` ending in -us (not a noun of the
fourth declension, exitus, habitus), -er, -ior, -alis, -aris or -ilis. Nouns inflected are
those of the category `anatomy`. Lower-case Latin in, lower-case forms out. Pure functions.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["adjective_forms", "genitive_forms", "is_adjective"]

ADJECTIVE_CATEGORIES = frozenset({"general", "drug_route"})
NOUN_CATEGORIES = frozenset({"anatomy"})
# Fourth-declension nouns and other -us nouns that are no adjectives and whose genitive is
# not -i (or is the nominative itself).
_US_NOUNS = frozenset(
    {
        "abortus", "arcus", "collapsus", "corpus", "decubitus", "descensus", "ductus",
        "exitus", "fetus", "habitus", "ictus", "infarctus", "introitus", "manus", "meatus",
        "partus", "pectus", "plexus", "processus", "prolapsus", "pus", "recessus", "sinus",
        "spiritus", "status", "tractus", "ulcus", "virus", "visus", "vomitus",
    }
)  # fmt: skip
_IRREGULAR = {
    "caput": ("capitis",),
    "cor": ("cordis",),
    "corpus": ("corporis",),
    "crus": ("cruris",),
    "femur": ("femoris",),
    "genu": ("genus",),
    "hepar": ("hepatis",),
    "iris": ("iridis",),
    "lien": ("lienis",),
    "mater": ("matris",),
    "os": ("ossis",),
    "pectus": ("pectoris",),
    "pes": ("pedis",),
    "ren": ("renis", "renum"),
    "ulcus": ("ulceris",),
}
# Endings of a word already in the genitive, in the second place of a phrase (cervix uteri,
# medulla ossium); -um alone is no such ending (ligamentum cruciatum).
_GENITIVE_ENDINGS = ("i", "ae", "is", "orum", "arum", "ium")


def is_adjective(latin: str, category: str) -> bool:
    """Whether a glossary row is an adjective whose forms are recognised in a phrase."""
    word = latin.lower()
    if category not in ADJECTIVE_CATEGORIES or " " in word or "." in word:
        return False
    if word.endswith("us"):
        return word not in _US_NOUNS and len(word) > 4
    return word.endswith(("ter", "ior", "alis", "aris", "ilis"))


@lru_cache(maxsize=4096)
def adjective_forms(latin: str) -> tuple[str, ...]:
    """Every form of a Latin adjective, the nominative first (`latin` lower case)."""
    word = latin.lower()
    endings: tuple[str, ...]
    if word.endswith("ior"):
        stem, endings = word[:-3], ("ior", "ius", "ioris", "iores", "iora", "iorum")
    elif word.endswith("er"):
        # dexter → dextr-, sinister → sinistr-
        stem, endings = word[:-2] + "r", ("er", "a", "um", "i", "ae", "orum", "arum")
    elif word.endswith("is"):
        stem, endings = word[:-2], ("is", "e", "es", "ia", "ium")
    elif word.endswith("us"):
        stem, endings = word[:-2], ("us", "a", "um", "i", "ae", "orum", "arum")
    else:
        return (word,)
    return tuple(word if e == "er" else stem + e for e in endings)


@lru_cache(maxsize=4096)
def genitive_forms(latin: str) -> tuple[str, ...]:
    """The genitive forms of a Latin noun or noun phrase (lower case), the singular first;
    the nominative itself where the genitive is the same (cutis, manus); () when no rule
    applies."""
    words = latin.lower().split()
    if not words or any("." in w for w in words):
        return ()
    heads = _noun_genitives(words[0])
    if not heads:
        return ()
    if len(words) == 1:
        return heads
    rest = " ".join(_agreeing_genitive(w) for w in words[1:])
    # The singular only: a plural head would need its adjectives in the plural too.
    return (f"{heads[0]} {rest}",)


def _noun_genitives(word: str) -> tuple[str, ...]:
    """Genitive singular (and plural) of one noun; () when unknown."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word in _US_NOUNS or (word.endswith("is") and not word.endswith("itis")):
        return (word,)  # ductus, manus; cutis, pelvis, basis
    if len(word) < 3:
        return ()
    singular = _noun_genitive(word)
    if singular is None:
        return ()
    plural = _genitive_plural(word, singular)
    return (singular, plural) if plural else (singular,)


def _noun_genitive(word: str) -> str | None:
    rules: tuple[tuple[str, int, str], ...] = (
        # (ending, letters cut, added)
        ("itis", 0, "dis"),
        ("ma", 0, "tis"),
        ("a", 0, "e"),
        ("us", 2, "i"),
        ("um", 2, "i"),
        ("ion", 2, "ii"),
        ("on", 2, "i"),
        ("do", 1, "inis"),
        ("go", 1, "inis"),
        ("o", 0, "nis"),
        ("ex", 2, "icis"),
        ("ix", 2, "icis"),
        ("ax", 1, "cis"),
        ("ux", 1, "cis"),
        ("nx", 1, "gis"),
        ("men", 2, "inis"),
        ("or", 0, "is"),
        ("ns", 1, "tis"),
        ("er", 0, "is"),
    )
    for ending, cut, added in rules:
        if not word.endswith(ending):
            continue
        if ending == "ma" and word.endswith("mma"):
            continue  # mamma is of the first declension: mammae
        return (word[:-cut] if cut else word) + added
    return None


def _genitive_plural(word: str, singular: str) -> str | None:
    if singular.endswith("ae"):
        return word[:-1] + "arum"
    if word.endswith(("us", "um")) and singular.endswith("i"):
        return word[:-2] + "orum"
    if singular.endswith("is") and not singular.endswith(("itidis", "matis")):
        return singular[:-2] + "um"  # pulmonis → pulmonum
    return None


def _agreeing_genitive(word: str) -> str:
    """A later word of a noun phrase in the genitive, agreeing with its noun."""
    if word in _IRREGULAR:
        return _IRREGULAR[word][0]
    if word.endswith(_GENITIVE_ENDINGS):
        return word  # already a genitive (uteri, oculi, femoris, ossium)
    if word.endswith("ior"):
        return word + "is"
    if word.endswith("erius"):
        return word[:-2] + "oris"  # anterius → anterioris
    if word.endswith(("us", "um")):
        return word[:-2] + "i"
    if word.endswith("er"):
        return word[:-2] + "ri"  # dexter → dextri
    if word.endswith("a"):
        return word + "e"
    return word
