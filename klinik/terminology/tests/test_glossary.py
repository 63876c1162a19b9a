"""The quality of the shipped glossary's Danish and plain renderings (issue 11.12).

A row's `danish` is the professional Danish term; its `plain` is what a patient reads: a lay
term as Danish patient information says it, optionally followed by a short explanation in
parentheses — "snue (betændelse i næsens slimhinde)" — or, where Danish has no lay word for
it, the explanation alone in parentheses. Only terms ever replace Latin in a note, so both
must be terms, never explanations. No database: the glossary is a file.
"""

from __future__ import annotations

import re

import pytest

from klinik.terminology.phrases import explanation, lay_term
from klinik.terminology.search import words
from klinik.terminology.starter import glossary_read

ROWS = glossary_read().rows
BY_LATIN = {row.latin: row for row in ROWS}
# Words that turn a phrase into a sentence or a clause: an explanation, not a term.
CLAUSE_WORDS = {
    "der", "som", "at", "er", "har", "kan", "ikke", "man", "sig", "bliver", "skal", "hvor",
    "når", "så", "fordi", "eller", "men", "fx",
}  # fmt: skip
# Abbreviations a patient may not know: any word with a full stop, and these without one.
ABBREVIATION = re.compile(r"\b\w+\.\w*|\b(fx|ca|evt|pga|bla|dvs|mht|ifm|osv|mv)\b", re.I)
# Latin words that are the everyday Danish word too (sundhed.dk uses them as they are).
EVERYDAY = {
    "influenza", "malaria", "psoriasis", "penis", "vagina", "prostata", "placebo", "acne",
    "tetanus", "diabetes", "polio", "autisme", "demens", "epilepsi", "migræne", "plasma",
    "tuberkulose", "skizofreni", "depression", "astma", "eksem", "allergi", "mani", "psykose",
    "diagnose", "prognose", "symptom", "syndrom", "kolera", "tyfus", "difteri", "syfilis",
    "gonoré", "klamydia", "borreliose", "herpes", "cancer", "tumor", "anus", "iris",
    "vaccination", "infektion", "infusion", "injektion", "transfusion", "kemoterapi",
    "fysioterapi", "ergoterapi", "dialyse", "stomi", "biopsi", "narkose", "abort", "urin",
    "serum", "pus", "dosis", "sepsis", "anoreksi", "bulimi", "fobi", "paranoia", "koma",
    "menisk", "muskel", "nerve", "sener", "ledbånd", "polyp", "lupus", "sklerose",
}  # fmt: skip


def _clause(text: str) -> bool:
    return "," in text or bool(set(words(text)) & CLAUSE_WORDS)


def test_every_danish_form_is_a_term_not_an_explanation():
    explained = [
        (row.latin, row.danish)
        for row in ROWS
        if "(" in row.danish or _clause(row.danish) or len(row.danish.split()) > 4
    ]
    assert explained == []


def test_every_plain_rendering_is_a_lay_term_with_at_most_an_explanation_after_it():
    malformed = []
    for row in ROWS:
        term, said = lay_term(row.plain), explanation(row.plain)
        rebuilt = " ".join(part for part in (term, f"({said})" if said else "") if part)
        if not row.plain or rebuilt != row.plain or (term is None and said is None):
            malformed.append((row.latin, row.plain, "shape"))
        elif term is not None and (_clause(term) or len(term.split()) > 5):
            malformed.append((row.latin, row.plain, "the lay term is an explanation"))
        elif said is not None and "(" in said:
            malformed.append((row.latin, row.plain, "nested parentheses"))
    assert malformed == []


def test_no_plain_rendering_has_abbreviations():
    found = [(row.latin, row.plain) for row in ROWS if ABBREVIATION.search(row.plain)]
    assert found == []


def test_no_plain_rendering_keeps_the_latin_term():
    # A patient reads "blodprop", not "thrombus (blodprop)"; a word Danish patients use as it
    # is (influenza, prostata) may stay.
    everyday = {w for e in EVERYDAY for w in words(e)}
    kept = [
        (row.latin, row.plain)
        for row in ROWS
        if "." not in row.latin and (set(words(row.latin)) & set(words(row.plain))) - everyday
    ]
    assert kept == []


def test_diagnoses_and_symptoms_have_a_lay_term():
    missing = [
        row.latin
        for row in ROWS
        if row.category in {"diagnosis", "symptom"} and lay_term(row.plain) is None
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("latin", "lay"),
    [
        ("diabetes mellitus", "sukkersyge"),
        ("hypertensio", "forhøjet blodtryk"),
        ("infarctus myocardii", "blodprop i hjertet"),
        ("insufficientia cordis", "hjertesvigt"),
        ("pyrexia", "feber"),
        ("cephalgia", "hovedpine"),
        ("carcinoma mammae", "brystkræft"),
        ("hypertensio arterialis", "forhøjet blodtryk"),
        ("ulcus ventriculi", "mavesår"),
        ("sinuitis", "bihulebetændelse"),
        ("gastroenteritis", "maveinfektion"),
        ("tendinitis", "senebetændelse"),
        ("dyspepsia", "fordøjelsesbesvær"),
        ("pruritus", "kløe"),
    ],
)
def test_the_common_lay_words_are_there(latin, lay):
    assert lay_term(BY_LATIN[latin].plain) == lay
