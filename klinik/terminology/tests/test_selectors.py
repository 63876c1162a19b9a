"""Type-ahead search, code lookup, Danish renderings and Latin terms in notes."""

from __future__ import annotations

import gc
import threading
from datetime import date

import pytest

from klinik.terminology import fordanskning
from klinik.terminology.selectors import (
    code_lookup,
    term_danish,
    terminology_search,
    terms_in_text,
)
from klinik.terminology.services import sks_import, starter_load
from klinik.terminology.tests.conftest import GLOSSARY, NEXT

ON = date(2026, 1, 15)


def codes(query: str, **kwargs: object) -> list[str | None]:
    kwargs.setdefault("on", ON)
    return [h.code or h.latin for h in terminology_search(query=query, **kwargs)]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("DJ069", "DJ069"),
        ("dj069", "DJ069"),
        ("J06.9", "DJ069"),
        ("j06.9", "DJ069"),
        ("DJ 069", "DJ069"),
        ("dj06", "DJ06"),
        ("J06", "DJ06"),
        ("kjea", "KJEA00"),
    ],
)
def test_codes_match_by_prefix_also_in_icd10_form(sample, query, first):
    found = codes(query)
    assert found[0] == first
    if first == "DJ06":
        assert found[:2] == ["DJ06", "DJ069"]


def test_words_of_the_text_match_by_prefix_in_any_order(sample):
    assert codes("akut luftv")[:2] == ["DJ069", "DJ06"]
    assert codes("luftv akut")[:2] == ["DJ069", "DJ06"]
    assert codes("luftv feber") == []


@pytest.mark.parametrize("query", ["øvre luft", "oevre luft", "ØVRE LUFT", "ovre luft"])
def test_danish_letters_match_their_spelt_out_and_simple_forms(sample, query):
    assert "DJ069" in codes(query)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("pnemoni", "DJ189"),
        ("pneumomi", "DJ189"),
        ("apendicitis", "DK359"),
        ("lændesmeter", "DM545"),
        ("hypertention", "DI109"),
        ("diabetis", "DE119"),
        ("bronchitis", "DJ209"),  # Latin spelling of the Danish "bronkitis"
        ("apendektomi", "KJEA00"),
    ],
)
def test_typing_errors_and_latin_spellings_are_forgiven(sample, query, code):
    assert code in codes(query)[:3]


def test_only_codes_valid_on_the_day_are_found(sample):
    assert codes("salmonella") == []
    assert codes("salmonella", on=None) == []  # today
    assert [h.code for h in terminology_search(query="salmonella", on=date(2010, 6, 1))] == [
        "DA022A"
    ]
    assert [h.text for h in terminology_search(query="DF329", on=date(2014, 6, 1))] == [
        "Depressiv enkeltepisode UNS"
    ]
    assert [h.text for h in terminology_search(query="DF329", on=ON)] == ["Depression UNS"]


def test_kinds_filter_the_hits(sample, glossary):
    assert codes("append", kinds={"procedure"}) == ["KJEA00"]
    assert codes("append", kinds={"diagnosis"}) == ["DK359"]
    assert codes("append", kinds={"term"}) == ["appendicitis"]
    assert set(codes("append")) == {"KJEA00", "DK359", "appendicitis"}
    with pytest.raises(ValueError, match="Unknown kinds: disease"):
        terminology_search(query="x", kinds={"disease"})


def test_a_code_in_two_registers_is_shown_once(sample):
    hits = terminology_search(query="blodprøve", on=ON)
    assert [(h.code, h.kind, h.register) for h in hits] == [("KZXX01", "procedure", "opr")]


def test_glossary_terms_are_found_by_latin_danish_and_plain_words(sample, glossary):
    hit = terminology_search(query="pneumonia", on=ON)[0]
    assert (hit.kind, hit.code, hit.latin, hit.danish, hit.plain) == (
        "term",
        None,
        "pneumonia",
        "pneumoni",
        "lungebetændelse",
    )
    assert hit.text == "pneumoni"
    assert "pneumonia" in codes("lungebetæn")
    assert "otitis media" in codes("mellemøre")
    assert codes("oesoph") == ["oesophagus"]
    assert codes("øsofagus") == ["oesophagus"]  # the Danish spelling finds the Latin term


def test_results_are_ranked_and_limited(sample, glossary):
    hits = terminology_search(query="akut", on=ON, limit=3)
    assert len(hits) == 3
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert terminology_search(query="   ") == []


def test_search_sees_a_new_import_in_the_same_process(sample):
    assert codes("covid", on=date(2026, 6, 1)) == []
    sks_import(path=NEXT)
    assert codes("covid", on=date(2026, 6, 1)) == ["DU071"]


def test_code_lookup_returns_the_version_valid_on_the_day(sample):
    assert code_lookup(code="DJ069").code == "DJ069"
    assert code_lookup(code=" dj06.9 ").code == "DJ069"
    assert code_lookup(code="J06.9").code == "DJ069"
    assert code_lookup(code="DA022A") is None
    assert code_lookup(code="DA022A", on=date(2011, 12, 31)).text == "Salmonella arthritis"
    assert code_lookup(code="DF329", on=date(2014, 12, 31)).text == "Depressiv enkeltepisode UNS"
    assert code_lookup(code="DF329", on=date(2015, 1, 1)).text == "Depression UNS"
    assert code_lookup(code="DJ999") is None
    assert code_lookup(code="") is None
    assert code_lookup(code="KZXX01").register == "opr"


def test_term_danish_comes_from_the_glossary_ignoring_case_and_spaces(glossary):
    rendering = term_danish(term="  Otitis   MEDIA acuta ")
    assert rendering.term == "Otitis MEDIA acuta"
    assert (rendering.danish, rendering.plain, rendering.source) == (
        "akut mellemørebetændelse",
        "akut betændelse i mellemøret",
        "glossary",
    )
    with pytest.raises(ValueError, match="empty"):
        term_danish(term="  ")


def test_term_danish_falls_back_to_the_spelling_rules(glossary):
    rendering = term_danish(term="gastritis chronica")
    assert rendering.source == "rules"
    assert rendering.plain is None
    assert rendering.danish == fordanskning.danish_spelling("gastritis chronica")


def test_terms_in_text_prefers_the_longest_term_and_gives_offsets(glossary):
    text = "Pt. med Otitis media  acuta, tidl. ulcus duodeni og ulcus cruris. Pneumonia? Nej."
    found = terms_in_text(text=text)
    assert [(m.text, m.latin, m.danish) for m in found] == [
        ("Otitis media  acuta", "otitis media acuta", "akut mellemørebetændelse"),
        ("ulcus duodeni", "ulcus duodeni", "sår på tolvfingertarmen"),
        ("ulcus", "ulcus", "sår"),
        ("Pneumonia", "pneumonia", "pneumoni"),
    ]
    assert all(text[m.start : m.end] == m.text for m in found)
    assert found[-1].plain == "lungebetændelse"
    assert terms_in_text(text="Ingen latin her.") == []


def test_a_latin_term_finds_the_codes_written_in_its_danish_form(clean, write_tsv):
    starter_load(
        codes_path=write_tsv(
            "codes.tsv",
            "register\tcode\ttext\n"
            "dia\tDH669\tMellemørebetændelse\n"
            "dia\tDJ18\tLungebetændelse UNS\n",
        ),
        glossary_path=write_tsv("glossary.tsv", GLOSSARY),
    )
    assert codes("otitis media") == ["otitis media", "otitis media acuta", "DH669"]
    assert codes("otitis med", kinds={"diagnosis"}) == ["DH669"]
    # by the plain rendering when the Danish form is a word of its own (pneumoni)
    assert codes("pneumonia", kinds={"diagnosis"}) == ["DJ18"]


@pytest.mark.django_db(transaction=True)
def test_a_large_index_is_rebuilt_in_the_background_while_the_old_one_answers(monkeypatch):
    # The rebuilding thread has its own connection, so this test commits.
    from klinik.terminology import selectors
    from klinik.terminology.tests.conftest import SAMPLE

    monkeypatch.setattr(selectors, "LARGE_INDEX", 1)
    monkeypatch.setattr(selectors, "_cached", None)
    try:
        sks_import(path=SAMPLE)
        assert codes("covid", on=date(2026, 6, 1)) == []  # first build: waited for
        sks_import(path=NEXT)
        assert codes("covid", on=date(2026, 6, 1)) == []  # the old index answers meanwhile
        selectors._rebuilding.join(timeout=30)
        assert codes("covid", on=date(2026, 6, 1)) == ["DU071"]
    finally:
        gc.unfreeze()


@pytest.mark.django_db(transaction=True)
def test_a_starting_web_worker_builds_the_index_before_the_first_search(monkeypatch):
    # gunicorn calls post_worker_init as each worker starts; the build runs in a thread of its
    # own (with its own connection, so this test commits).
    from klinik.config import gunicorn
    from klinik.terminology import selectors

    monkeypatch.setattr(selectors, "_cached", None)
    gunicorn.post_worker_init(worker=None)
    warming = [t for t in threading.enumerate() if t.name == "terminology-warm"]
    assert warming, "no warm-up thread started"
    for thread in warming:
        thread.join(timeout=60)
    assert selectors._cached is not None
    version, index = selectors._cached
    assert version == selectors.terminology_version()
    assert index.entries, "the index holds the starter codes and glossary"


def test_danish_lay_words_find_the_codes_of_the_glossary_term_they_render(db):
    # On the shipped set: "sukkersyge" is the plain rendering of diabetes (mellitus),
    # "forhøjet blodtryk" that of hypertensio; the codes are written with the Danish forms.
    diabetes = codes("sukkersyge", kinds={"diagnosis"})
    assert {"DE10", "DE11"} <= set(diabetes[:6])
    assert not any(code.startswith(("DI", "DR", "DK")) for code in diabetes)
    assert "DI10" in codes("forhøjet blodtryk", kinds={"diagnosis"})[:3]
    # the term itself comes first, then its codes before words of explanations
    hits = codes("sukkersyge")
    assert hits[0] in {"diabetes", "diabetes mellitus"}
    assert hits.index("DE10") < hits.index("ketoacidosis")


def test_a_lay_word_typed_in_part_finds_the_codes_too(db):
    assert "DE11" in codes("sukkersy", kinds={"diagnosis"})
    assert "DI10" in codes("forhøjet blodtr", kinds={"diagnosis"})
