"""The one-box search: query parsing, Danish folding, and results from the database."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klinik.audit.choices import Action, Channel
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.patients import selectors
from klinik.patients.search import QueryKind, fold, name_tokens, parse_query
from klinik.patients.selectors import patient_search
from klinik.patients.services import patient_register


def test_danish_letters_fold_both_ways():
    assert fold("Søren Ærø Åberg") == "soeren aeroe aaberg"
    assert fold("SOEREN") == fold("Søren")
    assert fold("José") == "jose"
    assert {"soeren", "soren", "oestergaard", "ostergaard"} <= name_tokens("Søren", "Østergaard")


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("0101901234", QueryKind.IDENTIFIER, "0101901234"),
        ("010190-1234", QueryKind.IDENTIFIER, "0101901234"),
        ("010190-1ab2", QueryKind.IDENTIFIER, "0101901AB2"),
        ("010190", QueryKind.BIRTH_DATE, "010190"),
        ("21.07.53", QueryKind.BIRTH_DATE, "210753"),
        ("21071953", QueryKind.BIRTH_DATE, "210753"),
        ("21-07-1953", QueryKind.BIRTH_DATE, "210753"),
        ("21/7 1953", QueryKind.BIRTH_DATE, "210753"),
        ("21.7.1953", QueryKind.BIRTH_DATE, "210753"),
        ("1.2.03", QueryKind.BIRTH_DATE, "010203"),
        ("31021953", QueryKind.PHONE, "31021953"),  # no such day: a phone number
        ("12-34-5678", QueryKind.PHONE, "12345678"),
        ("22 33 44 55", QueryKind.PHONE, "22334455"),
        ("+45 22334455", QueryKind.PHONE, "22334455"),
        ("", QueryKind.EMPTY, ""),
    ],
)
def test_query_kinds(raw, kind, value):
    parsed = parse_query(raw)
    assert parsed.kind == kind
    assert parsed.value == value


def test_name_query_is_folded_terms():
    assert parse_query("Mette  JENSEN").terms == ("mette", "jensen")
    assert parse_query("Jørgen").terms == ("joergen",)


@pytest.fixture
def register(world, actor_for):
    actor = actor_for(world.member(Role.SECRETARY))

    def _register(cpr: str, given: str, family: str, **fields: object):
        return patient_register(
            actor=actor, cpr=cpr, given_name=given, family_name=family, **fields
        ).patient

    _register.actor = actor
    return _register


def _names(hits) -> list[str]:
    return [hit.name for hit in hits]


def test_search_by_cpr_with_or_without_dash_and_by_birth_date(register):
    patient = register("0707614285", "Mette", "Jensen")
    register("0707624285", "Ole", "Hansen")
    for query in ("0707614285", "070761-4285", "070761 4285"):
        hits = patient_search(actor=register.actor, query=query, channel=Channel.UI)
        assert [h.public_id for h in hits] == [patient.public_id]
    by_date = patient_search(actor=register.actor, query="070761", channel=Channel.UI)
    assert _names(by_date) == ["Mette Jensen"]


def test_search_by_birth_date_as_people_type_it(register):
    register("0102031234", "Mette", "Jensen")  # born 1903 (digit 7 is 1)
    register("0102034234", "Karl", "Jensen")  # born 2003 (digit 7 is 4)
    register("0202031234", "Ole", "Hansen", phone="01022003")
    register("0102041234", "Eva", "Hansen")

    def names(query: str) -> list[str]:
        return _names(patient_search(actor=register.actor, query=query, channel=Channel.UI))

    # Two-digit years find both centuries; a four-digit year only its own.
    assert names("010203") == ["Karl Jensen", "Mette Jensen"]
    assert names("01.02.03") == ["Karl Jensen", "Mette Jensen"]
    for query in ("01-02-1903", "1/2 1903", "1.2.1903", "01021903"):
        assert names(query) == ["Mette Jensen"], query
    # Eight digits are a birth date or a phone number: both are found.
    assert names("01022003") == ["Ole Hansen", "Karl Jensen"]


def test_search_names_in_any_order_by_prefix_and_danish_letters(register):
    register("0707614285", "Mette Marie", "Jensen")
    register("0101901233", "Søren", "Østergaard")
    register("0202801234", "Jens", "Hansen")
    actor = register.actor

    def names(query: str) -> list[str]:
        return _names(patient_search(actor=actor, query=query, channel=Channel.UI))

    assert names("mette jensen") == ["Mette Marie Jensen"]
    assert names("jensen mette") == ["Mette Marie Jensen"]
    assert names("jen met") == ["Mette Marie Jensen"]
    assert names("marie") == ["Mette Marie Jensen"]
    assert set(names("jens")) == {"Mette Marie Jensen", "Jens Hansen"}
    for query in ("søren østergaard", "soeren oestergaard", "soren ostergaard", "ØSTER"):
        assert names(query) == ["Søren Østergaard"], query
    assert names("ostergaard hansen") == []


def test_search_by_phone(register):
    register("0707614285", "Mette", "Jensen", phone="22 33 44 55")
    hits = patient_search(actor=register.actor, query="+45 22334455", channel=Channel.UI)
    assert _names(hits) == ["Mette Jensen"]


def test_search_never_crosses_organisations(world, register, actor_for):
    register("0707614285", "Mette", "Jensen")
    other = actor_for(world.member(Role.SECRETARY, unit=world.unit_b))
    assert patient_search(actor=other, query="0707614285", channel=Channel.UI) == []
    assert patient_search(actor=other, query="mette", channel=Channel.UI) == []


def test_each_search_is_logged_without_the_terms(register):
    register("0707614285", "Mette", "Jensen")
    patient_search(actor=register.actor, query="mette jensen", channel=Channel.UI)
    entry = AccessLogEntry.objects.filter(action=Action.SEARCH).latest("seq")
    assert "mette" not in entry.reason.lower()
    assert "1" in entry.reason


def test_search_results_are_limited(register):
    for day in range(1, 26):
        register(f"{day:02d}0161428{day % 10}", f"Anne{day}", "Jensen")
    hits = patient_search(actor=register.actor, query="jensen", channel=Channel.UI, limit=20)
    assert len(hits) == 20
    assert len({h.public_id for h in hits}) == 20


def test_common_terms_find_matches_whichever_term_drives(register, monkeypatch):
    """When every term is too common to tell which is rarer, each is tried over the first
    entries of its range and the first that yields enough matches gives the hits; when none
    does, a full scan finds all of them."""
    monkeypatch.setattr(selectors, "_SELECTIVITY_CAP", 3)
    monkeypatch.setattr(selectors, "_PROBE_ROWS", 6)
    day = iter(range(1, 29))

    def add(given: str, family: str) -> None:
        register(f"{next(day):02d}0161428{len(given) % 10}", given, family)

    # "Jensen" is common, and its matches for "ol" come late in name order ("jensen ol...");
    # "Ol..." is common too, and its "Jensen"s come first in family-name order.
    for given in ("Anne", "Bo", "Carl", "Dan", "Eva", "Finn", "Gitte", "Hans"):
        add(given, "Jensen")
    for given in ("Olaf", "Ole", "Ole", "Oliver"):
        add(given, "Jensen")
    for family in ("Kjær", "Lund", "Mørk", "Nord", "Popp"):
        add("Ole", family)

    def search(query: str, limit: int) -> list[str]:
        hits = patient_search(actor=register.actor, query=query, channel=Channel.UI, limit=limit)
        return _names(hits)

    everyone = ["Olaf Jensen", "Ole Jensen", "Ole Jensen", "Oliver Jensen"]
    with CaptureQueriesContext(connection) as probed:
        assert search("jensen ol", limit=1) == ["Olaf Jensen"]
    scans = [q["sql"] for q in probed.captured_queries if q["sql"].startswith("SELECT patient_id")]
    assert scans and all("probed" in sql for sql in scans)  # no range scanned to its end
    assert sorted(search("jensen ol", limit=20)) == everyone  # few matches: a full scan
    assert sorted(search("ol jensen", limit=20)) == everyone
    assert search("jensen olz", limit=20) == []
