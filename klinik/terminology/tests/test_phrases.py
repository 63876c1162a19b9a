"""Latin in a note (issue 11.9): glossary words in their genitive and adjective forms, the
phrases they make, and nothing taken for Latin that is ordinary Danish. On the shipped
glossary, which the migration loads."""

from __future__ import annotations

import pytest

from klinik.terminology.selectors import term_offers, terms_in_text


def found(text: str) -> list[tuple[str, str, str | None]]:
    return [(m.text, m.danish, m.lay) for m in terms_in_text(text=text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a listed phrase: the established Danish term (SKS says "Brystkræft")
        ("Mistanke om carcinoma mammae.", ("carcinoma mammae", "brystkræft", "brystkræft")),
        # noun + adjective, composed by rule: "Akut kolecystitis" is the SKS text (DK810)
        (
            "Pt. med cholecystitis acuta.",
            ("cholecystitis acuta", "akut kolecystitis", "akut galdeblærebetændelse"),
        ),
        (
            "Kendt hypertensio arterialis.",
            ("hypertensio arterialis", "arteriel hypertension", "forhøjet blodtryk"),
        ),
        # noun + genitive noun phrase with comparative and -er adjectives
        (
            "Pneumonia lobi inferioris dextri.",
            (
                "Pneumonia lobi inferioris dextri",
                "pneumoni i højre underlap",
                "lungebetændelse i højre nederste lap",
            ),
        ),
        (
            "Infiltrat lobi inferioris sinistri.",
            ("lobi inferioris sinistri", "i venstre underlap", "i venstre nederste lap"),
        ),
        ("Mamma sinistra øm.", ("Mamma sinistra", "venstre mamma", "venstre bryst")),
        (
            "carcinoma mammae dextrae",
            ("carcinoma mammae dextrae", "brystkræft i højre side", "brystkræft i højre side"),
        ),
        ("Pyrexia siden i går.", ("Pyrexia", "pyreksi", "feber")),
        ("Cephalgia og kvalme.", ("Cephalgia", "hovedpine", "hovedpine")),
    ],
)
def test_genitive_and_adjective_forms_of_glossary_words_are_recognised(db, text, expected):
    assert found(text) == [expected]


def test_a_phrase_that_cannot_be_rendered_as_a_whole_falls_back_to_its_head(db):
    # "tibiae" is the genitive of a glossary word, but "knoglebrud i skinneben" is no
    # Danish: the head is offered alone, as before, and the genitive is left as written.
    assert found("fractura tibiae") == [("fractura", "fraktur", "knoglebrud")]


@pytest.mark.parametrize(
    "text",
    [
        "Hun tog sin medicin, og dens virkning var god.",
        "Ren sårflade, normale forhold.",
        "Den distale og den laterale del er normale.",
        "Akut indlæggelse, E. coli i urinen.",
        "Media og presse.",
    ],
)
def test_ordinary_danish_words_are_not_taken_for_latin(db, text):
    assert found(text) == []


def test_abbreviations_are_recognised_only_with_their_full_stops(db):
    assert found("Paracetamol 1 g p.o. x 4, sin. ben hævet") == [
        ("p.o.", "p.o.", "gennem munden"),
        ("sin.", "sin.", "venstre"),
    ]


def test_a_term_written_twice_is_offered_once_with_every_place_it_stands(db):
    text = "Pneumonia? Rtg: pneumonia. Cholelithiasis."
    offers = term_offers(text=text)
    assert [(o.text, o.spans, o.replacements) for o in offers] == [
        ("Pneumonia", ((0, 9), (16, 25)), ("pneumoni", "lungebetændelse")),
        ("Cholelithiasis", ((27, 41),), ("galdesten",)),  # Danish form = lay word: once
    ]


def test_a_replacement_is_a_term_never_an_explanation(db):
    offers = {o.latin: o for o in term_offers(text="rhinitis, hypothalamus, embolia")}
    # the plain rendering is shown in full, but only its lay term replaces the Latin
    assert offers["rhinitis"].plain == "snue (betændelse i næsens slimhinde)"
    assert offers["rhinitis"].replacements == ("snue",)
    # no lay word exists: the explanation is shown and nothing but the Danish form offered
    assert offers["hypothalamus"].lay is None
    assert offers["hypothalamus"].replacements == ()
    assert offers["embolia"].replacements == ("emboli", "blodprop")
