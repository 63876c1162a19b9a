"""The spelling rules (fordanskning) and the shipped glossary they are checked against.

No database: the rule engine is a pure function and the glossary a file.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from klinik.terminology.fordanskning import danish_spelling

GLOSSARY = Path(__file__).resolve().parents[1] / "data" / "glossary.tsv"
HEADER = "latin\tdanish\tplain\tcategory\tregular"
CATEGORIES = {"diagnosis", "symptom", "anatomy", "procedure", "drug_route", "general"}


def _rows() -> list[dict[str, str]]:
    lines = GLOSSARY.read_text(encoding="utf-8").splitlines()
    names = HEADER.split("\t")
    return [dict(zip(names, line.split("\t"), strict=True)) for line in lines[1:]]


def _single_word(latin: str) -> bool:
    """One word, not an abbreviation: the rules, not the phrase rule, decide its spelling."""
    return len(latin.split()) == 1 and "." not in latin


# ── letters ──────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("latin", "danish"),
    [
        ("haematoma", "hæmatom"),
        ("anaemia", "anæmi"),
        ("gynaecomastia", "gynækomasti"),
        ("oedema", "ødem"),
        ("oesophagitis", "øsofagitis"),
        ("lymphoedema", "lymfødem"),
        ("gastrooesophagealis", "gastroøsofageal"),
    ],
)
def test_ae_and_oe_become_ae_and_oe_ligatures(latin: str, danish: str) -> None:
    assert danish_spelling(latin) == danish


@pytest.mark.parametrize(
    ("latin", "danish"),
    [
        ("diploë", "diploë"),  # the trema keeps the vowels apart
        ("gastroenteritis", "gastroenteritis"),
        ("thromboembolia", "tromboemboli"),
        ("electroencephalographia", "elektroencefalografi"),
        ("intraepithelialis", "intraepitelial"),
        ("neuroendocrinus", "neuroendokrin"),
    ],
)
def test_vowels_stay_apart_at_a_trema_or_a_morpheme_seam(latin: str, danish: str) -> None:
    assert danish_spelling(latin) == danish


@pytest.mark.parametrize(
    ("latin", "danish"),
    [
        ("cholera", "kolera"),
        ("bronchitis", "bronkitis"),
        ("ischias", "iskias"),
        ("lymphoma", "lymfom"),
        ("nephritis", "nefritis"),
        ("thrombosis", "trombose"),
        ("arthrosis", "artrose"),
        ("rheumatismus", "reumatisme"),
        ("arrhythmia", "arytmi"),
        ("menorrhagia", "menoragi"),
    ],
)
def test_greek_digraphs_are_simplified(latin: str, danish: str) -> None:
    assert danish_spelling(latin) == danish


def test_r_and_h_meeting_at_a_seam_both_stay() -> None:
    assert danish_spelling("hyperhidrosis") == "hyperhidrose"


@pytest.mark.parametrize(
    ("latin", "danish"),
    [
        ("carcinoma", "karcinom"),  # before a and before i
        ("colica", "kolik"),
        ("acutus", "akut"),
        ("sclerosis", "sklerose"),
        ("infarctus", "infarkt"),
        ("proctitis", "proktitis"),
    ],
)
def test_c_is_hard_before_back_vowels_and_consonants(latin: str, danish: str) -> None:
    assert danish_spelling(latin) == danish


@pytest.mark.parametrize(
    ("latin", "danish"),
    [
        ("appendicitis", "appendicitis"),
        ("encephalitis", "encefalitis"),
        ("cyanosis", "cyanose"),
        ("leucocytosis", "leukocytose"),
        ("recidivum", "recidiv"),
        ("abscessus", "absces"),
        ("insufficientia", "insufficiens"),
    ],
)
def test_c_before_front_vowels_is_written_c_not_s(latin: str, danish: str) -> None:
    assert danish_spelling(latin) == danish


@pytest.mark.parametrize(
    ("latin", "danish"),
    [
        ("leucaemia", "leukæmi"),
        ("hypoglycaemia", "hypoglykæmi"),
        ("septicaemia", "septikæmi"),
        ("hyperuricaemia", "hyperurikæmi"),
    ],
)
def test_a_stem_final_c_before_aemia_is_hard(latin: str, danish: str) -> None:
    assert danish_spelling(latin) == danish


@pytest.mark.parametrize(
    ("latin", "danish"),
    [
        ("occlusio", "okklusion"),
        ("staphylococcus", "stafylokok"),
        ("vaccinatio", "vaccination"),
        ("occipitalis", "occipital"),
        ("ecchymosis", "ekkymose"),
    ],
)
def test_double_c_is_kk_before_back_vowels_and_stays_before_front_vowels(
    latin: str, danish: str
) -> None:
    assert danish_spelling(latin) == danish


@pytest.mark.parametrize(
    ("latin", "danish"),
    [
        ("frequentia", "frekvens"),
        ("liquor", "likvor"),
    ],
)
def test_qu_becomes_kv(latin: str, danish: str) -> None:
    assert danish_spelling(latin) == danish


@pytest.mark.parametrize(
    ("latin", "danish"),
    [
        ("hypoxia", "hypoksi"),
        ("luxatio", "luksation"),
        ("proximalis", "proksimal"),
        ("exanthema", "eksantem"),
        ("xerostomia", "xerostomi"),  # initial x stays
        ("larynx", "larynx"),  # final x stays
        ("cervix", "cervix"),
    ],
)
def test_x_becomes_ks_inside_a_word_only(latin: str, danish: str) -> None:
    assert danish_spelling(latin) == danish


def test_y_and_k_stay() -> None:
    assert danish_spelling("dyskinesia") == "dyskinesi"
    assert danish_spelling("cystitis") == "cystitis"


# ── endings ──────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("latin", "danish"),
    [
        ("tuberculosis", "tuberkulose"),
        ("metastasis", "metastase"),
        ("anamnesis", "anamnese"),
        ("dialysis", "dialyse"),
        ("ptosis", "ptose"),
        ("dosis", "dosis"),  # no stem before -osis: not the Greek suffix
        ("psoriasis", "psoriasis"),  # -iasis stays
    ],
)
def test_greek_sis_endings_become_se(latin: str, danish: str) -> None:
    assert danish_spelling(latin) == danish


@pytest.mark.parametrize(
    ("latin", "danish"),
    [
        ("carcinoma", "karcinom"),
        ("glaucoma", "glaukom"),
        ("oedema", "ødem"),
        ("emphysema", "emfysem"),
        ("coma", "koma"),  # one letter before -oma: stays
    ],
)
def test_oma_and_ema_lose_their_a(latin: str, danish: str) -> None:
    assert danish_spelling(latin) == danish


@pytest.mark.parametrize(
    "latin", ["appendicitis", "hepatitis", "meningitis", "tonsillitis", "gastritis"]
)
def test_itis_is_unchanged(latin: str) -> None:
    assert danish_spelling(latin) == latin


@pytest.mark.parametrize(
    ("latin", "danish"),
    [
        ("pneumonia", "pneumoni"),
        ("anaemia", "anæmi"),
        ("appendectomia", "appendektomi"),
        ("laparotomia", "laparotomi"),
        ("gastroscopia", "gastroskopi"),
        ("mammographia", "mammografi"),
        ("cardiologia", "kardiologi"),
        ("cardiomyopathia", "kardiomyopati"),
        ("dysplasia", "dysplasi"),
        ("neuralgia", "neuralgi"),
        ("dementia", "demens"),  # -entia → -ens before -ia → -i
        ("intolerantia", "intolerans"),
    ],
)
def test_ia_becomes_i(latin: str, danish: str) -> None:
    assert danish_spelling(latin) == danish


@pytest.mark.parametrize(
    ("latin", "danish"),
    [
        ("dyspnoea", "dyspnø"),
        ("tachypnoea", "takypnø"),
        ("amenorrhoea", "amenoré"),
        ("gonorrhoea", "gonoré"),
    ],
)
def test_pnoea_and_rrhoea_endings(latin: str, danish: str) -> None:
    assert danish_spelling(latin) == danish


@pytest.mark.parametrize(
    ("latin", "danish"),
    [
        ("infectio", "infektion"),
        ("depressio", "depression"),
        ("fractura", "fraktur"),
        ("mixtura", "mikstur"),
        ("pleura", "pleura"),  # -ura after a vowel is not the Latin suffix
        ("alloplastica", "alloplastik"),
        ("graviditas", "graviditet"),
    ],
)
def test_noun_endings(latin: str, danish: str) -> None:
    assert danish_spelling(latin) == danish


@pytest.mark.parametrize(
    ("latin", "danish"),
    [
        ("chronicus", "kronisk"),
        ("idiopathicus", "idiopatisk"),
        ("bilateralis", "bilateral"),
        ("arterialis", "arteriel"),
        ("essentialis", "essentiel"),
        ("intramuscularis", "intramuskulær"),
        ("primarius", "primær"),
        ("febrilis", "febril"),
        ("palpabilis", "palpabel"),
        ("reversibilis", "reversibel"),
        ("stabilis", "stabil"),  # too short a stem for -abilis
        ("intravenosus", "intravenøs"),
        ("subcutaneus", "subkutan"),
    ],
)
def test_adjective_endings(latin: str, danish: str) -> None:
    assert danish_spelling(latin) == danish


def test_drug_nouns_keep_icum() -> None:
    assert danish_spelling("antibioticum") == "antibiotikum"


@pytest.mark.parametrize(
    ("latin", "danish"),
    [
        ("musculus", "muskel"),
        ("ventriculus", "ventrikel"),
        ("capsula", "kapsel"),
        ("fistula", "fistel"),
        ("tuberculum", "tuberkel"),
    ],
)
def test_diminutive_endings_become_el(latin: str, danish: str) -> None:
    assert danish_spelling(latin) == danish


def test_ium_becomes_ie() -> None:
    assert danish_spelling("cranium") == "kranie"
    assert danish_spelling("ovarium") == "ovarie"


@pytest.mark.parametrize(
    ("latin", "danish"),
    [
        ("infarctus", "infarkt"),  # the consonant cluster is kept, ct → kt
        ("acutus", "akut"),
        ("prolapsus", "prolaps"),
        ("ligamentum", "ligament"),
        ("abscessus", "absces"),  # a final double consonant is made single
        ("spasmus", "spasme"),  # consonant + m takes an -e
        ("rhythmus", "rytme"),
        ("thrombus", "trombe"),
        ("virus", "virus"),  # too short a stem: the ending stays
        ("sinus", "sinus"),
        ("ileus", "ileus"),  # after a vowel the ending stays
    ],
)
def test_us_and_um_are_dropped_after_a_consonant(latin: str, danish: str) -> None:
    assert danish_spelling(latin) == danish


# ── words, phrases, case ─────────────────────────────────────────────────────────────────


def test_phrases_are_kept_latin_with_normalised_spacing() -> None:
    assert danish_spelling("fractura colli femoris") == "fractura colli femoris"
    assert danish_spelling("  status   praesens\t") == "status praesens"
    assert danish_spelling("Ulcus ventriculi") == "Ulcus ventriculi"


@pytest.mark.parametrize("abbreviation", ["p.o.", "i.v.", "s.c.", "dxt.", "UNS", "EKG"])
def test_abbreviations_are_unchanged(abbreviation: str) -> None:
    assert danish_spelling(abbreviation) == abbreviation


def test_the_first_letter_keeps_its_case() -> None:
    assert danish_spelling("Oedema") == "Ødem"
    assert danish_spelling("Haematoma") == "Hæmatom"
    assert danish_spelling("Carcinoma") == "Karcinom"
    assert danish_spelling("carcinoma") == "karcinom"


def test_hyphenated_parts_are_spelled_one_by_one() -> None:
    assert danish_spelling("pneumonia-haematoma") == "pneumoni-hæmatom"


def test_empty_and_blank_terms_give_an_empty_string() -> None:
    assert danish_spelling("") == ""
    assert danish_spelling("   ") == ""


def test_spelling_is_idempotent_on_danish_forms() -> None:
    # A word already spelled the Danish way is not changed again.
    for danish in ("hæmatom", "karcinom", "pneumoni", "trombose", "appendicitis", "ødem"):
        assert danish_spelling(danish) == danish


# ── the glossary ─────────────────────────────────────────────────────────────────────────


def test_glossary_is_well_formed() -> None:
    lines = GLOSSARY.read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER
    problems = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        if len(cells) != 5:
            problems.append(f"line {number}: {len(cells)} columns")
            continue
        latin, danish, plain, category, regular = cells
        if any(cell != " ".join(cell.split()) for cell in cells):
            problems.append(f"line {number}: stray spaces")
        if not latin or not danish or not plain:
            problems.append(f"line {number}: empty latin, danish or plain")
        if category not in CATEGORIES:
            problems.append(f"line {number}: category {category!r}")
        if regular not in {"0", "1"}:
            problems.append(f"line {number}: regular {regular!r}")
        if latin.lower() in seen:
            problems.append(f"line {number}: {latin!r} repeats line {seen[latin.lower()]}")
        seen[latin.lower()] = number
    assert problems == []
    assert len(seen) >= 500


def test_every_category_is_represented() -> None:
    counts = Counter(row["category"] for row in _rows())
    assert set(counts) == CATEGORIES
    assert counts["diagnosis"] >= 150
    assert counts["anatomy"] >= 50
    assert counts["procedure"] >= 50


def test_the_rules_produce_every_danish_form_marked_regular() -> None:
    regular = [row for row in _rows() if row["regular"] == "1"]
    wrong = [
        (row["latin"], row["danish"], danish_spelling(row["latin"]))
        for row in regular
        if danish_spelling(row["latin"]).lower() != row["danish"].lower()
    ]
    assert wrong == []


def test_rows_marked_irregular_are_not_produced_by_the_rules() -> None:
    # The flag is honest both ways: a single word the rules do spell right is marked regular.
    irregular = [r for r in _rows() if r["regular"] == "0" and _single_word(r["latin"])]
    produced = [
        row["latin"]
        for row in irregular
        if danish_spelling(row["latin"]).lower() == row["danish"].lower()
    ]
    assert produced == []


def test_phrases_and_abbreviations_are_never_marked_regular() -> None:
    marked = [r["latin"] for r in _rows() if r["regular"] == "1" and not _single_word(r["latin"])]
    assert marked == []


def test_the_rules_cover_a_large_share_of_single_clinical_words() -> None:
    # So that the engine is really tested against the glossary: at least 40 % of single-word
    # diagnoses, symptoms and procedures are regular, and most of those actually change.
    clinical = [
        row
        for row in _rows()
        if row["category"] in {"diagnosis", "symptom", "procedure"} and _single_word(row["latin"])
    ]
    regular = [row for row in clinical if row["regular"] == "1"]
    changed = [row for row in regular if row["latin"].lower() != row["danish"].lower()]
    assert len(regular) >= 0.4 * len(clinical)
    assert len(changed) >= 0.4 * len(clinical)


@pytest.mark.parametrize(
    ("latin", "danish", "plain"),
    [
        ("appendicitis", "appendicitis", "blindtarmsbetændelse"),
        ("pneumonia", "pneumoni", "lungebetændelse"),
        ("carcinoma", "karcinom", "kræftsvulst"),
        ("thrombosis", "trombose", "blodprop"),
        ("lymphoma", "lymfom", "lymfekræft"),
        ("anaemia", "anæmi", "blodmangel"),
        ("dyspnoea", "dyspnø", "åndenød"),
        ("appendectomia", "appendektomi", "fjernelse af blindtarmen"),
        ("fractura colli femoris", "fractura colli femoris", "brud på lårbenshalsen"),
        ("arachnoidea", "araknoidea", "spindelvævshinde"),
    ],
)
def test_glossary_has_the_reference_terms(latin: str, danish: str, plain: str) -> None:
    found = {row["latin"]: row for row in _rows()}
    assert found[latin]["danish"] == danish
    assert found[latin]["plain"] == plain
