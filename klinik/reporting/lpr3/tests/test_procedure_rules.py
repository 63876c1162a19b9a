"""The PROCEDURE rules: each with a document that breaks it and one that does not.

The documents are the builder's valid report with one procedure changed: its contact runs on
5 March 2024 from 09:00 to 10:00 (Danish time). The SKS codes are the builder's plus those below.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from klinik.reporting.lpr3.catalogue import catalogue
from klinik.reporting.lpr3.engine import Span, registry, validate
from klinik.reporting.lpr3.rules.procedure import NOT_IMPLEMENTED
from klinik.reporting.lpr3.tests import builder
from klinik.reporting.lpr3.tests.builder import NOW, SINCE, change, document, kontakt

K = "forloebselementer[0].kontakter[0]"
P = f"{K}.procedurer[0]"

CODES: dict[str, tuple[Span, ...]] = {
    **builder.CODES,
    "BPHM91": (Span(SINCE, None),),  # behandling med proteasehæmmer
    "UXZ41": (Span(SINCE, None),),  # tillægskode: med CT-angiografi
    "UXZ99": (Span(SINCE, date(2023, 12, 31)),),  # a closed tillægskode
    "KJFG99": (Span(SINCE, date(2023, 12, 31)),),  # a closed operation code
    "UXCA99": (Span(SINCE, date(2024, 3, 5)),),  # closes at the end of the contact's day
}


def code_source(codes: frozenset[str]) -> dict[str, Sequence[Span]]:
    return {code: CODES[code] for code in codes if code in CODES}


def broken(doc: object, rule_id: str) -> list[str]:
    findings = validate(doc, now=NOW, code_source=code_source, sor_source=builder.sor_source)
    return [f.path for f in findings if f.rule == rule_id]


def with_procedure(**fields: Any) -> dict[str, Any]:
    procedure = {
        "kode": "UXCA00",
        "start": "2024-03-05T09:30:00+01:00",
        "slut": "2024-03-05T09:45:00+01:00",
        **fields,
    }
    return change(document(), f"{K}.procedurer", [procedure])


def test_every_procedure_rule_is_implemented_or_says_why_not() -> None:
    ids = {r.id for r in catalogue().values() if r.group == "PROCEDURE"}
    implemented = ids & set(registry())
    assert implemented.isdisjoint(NOT_IMPLEMENTED)
    assert implemented | set(NOT_IMPLEMENTED) == ids
    assert all(NOT_IMPLEMENTED.values())


def test_11_01_a_procedure_ends_after_it_starts() -> None:
    assert broken(with_procedure(), "11.01") == []
    assert broken(with_procedure(slut=None), "11.01") == []
    assert broken(with_procedure(slut="2024-03-05T09:30:00+01:00"), "11.01") == [f"{P}.slut"]
    assert broken(with_procedure(slut="2024-03-05T09:29:00+01:00"), "11.01") == [f"{P}.slut"]


def test_11101_procedure_code_in_the_procedure_lists() -> None:
    for code in ("UXCA00", "KJFG20", "BPHM91"):
        assert broken(with_procedure(kode=code), "11101") == []
    assert broken(with_procedure(kode="DJ189"), "11101") == [f"{P}.kode"]
    assert broken(with_procedure(kode=None), "11101") == [f"{P}.kode"]


def test_11111_procedure_on_a_diagnosis_report_contact() -> None:
    # A diagnoseindberetning contact: 09:00-09:01, planned.
    contact = kontakt(slut="2024-03-05T09:01:00+01:00", opholdsadresser=[])
    contact["type"] = "ALCA10"
    doc = change(document(), K, contact)
    assert broken(doc, "11111") == [f"{P}.slut", f"{P}.start"]
    # The same instant written in UTC is the contact's start.
    contact["procedurer"] = [{"kode": "UXCA00", "start": "2024-03-05T08:00:00+00:00"}]
    assert broken(change(document(), K, contact), "11111") == []
    # On an ordinary contact the rule does not apply.
    assert broken(with_procedure(), "11111") == []


def test_11_22_procedure_starts_within_its_contact() -> None:
    assert broken(with_procedure(start="2024-03-05T09:00:00+01:00"), "11.22") == []
    early = with_procedure(start="2024-03-05T08:59:00+01:00")
    assert broken(early, "11.22") == [f"{P}.start"]
    late = with_procedure(start="2024-03-05T10:01:00+01:00", slut=None)
    assert broken(late, "11.22") == [f"{P}.start"]
    still_open = change(late, f"{K}.slut", None)
    assert broken(still_open, "11.22") == []


def test_11_23_procedure_ends_by_the_end_of_its_contact() -> None:
    assert broken(with_procedure(slut="2024-03-05T10:00:00+01:00"), "11.23") == []
    wrong = with_procedure(slut="2024-03-05T10:01:00+01:00")
    assert broken(wrong, "11.23") == [f"{P}.slut"]
    assert broken(change(wrong, f"{K}.slut", None), "11.23") == []


def test_11_25_procedure_does_not_end_before_its_contact_starts() -> None:
    assert broken(with_procedure(), "11.25") == []
    wrong = with_procedure(start="2024-03-05T08:30:00+01:00", slut="2024-03-05T08:45:00+01:00")
    assert broken(wrong, "11.25") == [f"{P}.slut"]


def test_11_52_procedure_code_valid_at_its_start_on_the_danish_day() -> None:
    assert broken(with_procedure(kode="KJFG20"), "11.52") == []
    assert broken(with_procedure(kode="KJFG99"), "11.52") == [f"{P}.kode"]
    # KJFG99 closed on 31 December 2023: 23:30 Danish time is still that day, 00:30 is not.
    last_evening = with_procedure(kode="KJFG99", start="2023-12-31T22:30:00+00:00", slut=None)
    assert broken(last_evening, "11.52") == []
    new_year = with_procedure(kode="KJFG99", start="2023-12-31T23:30:00+00:00", slut=None)
    assert broken(new_year, "11.52") == [f"{P}.kode"]


def test_11_53_procedure_code_valid_at_its_end() -> None:
    # UXCA99 closes at the end of 5 March: a procedure from 23:00 to 00:30 ends the next day.
    overnight = {"start": "2024-03-05T23:00:00+01:00", "slut": "2024-03-06T00:30:00+01:00"}
    wrong = with_procedure(kode="UXCA99", **overnight)
    assert broken(wrong, "11.53") == [f"{P}.kode"]
    assert broken(wrong, "11.52") == []
    assert broken(with_procedure(kode="UXCA99"), "11.53") == []
    assert broken(with_procedure(kode="UXCA99", slut=None), "11.53") == []


def test_11_59_procedure_tillaegskode_valid_at_its_start() -> None:
    assert broken(with_procedure(tillaegskoder=["UXZ41"]), "11.59") == []
    wrong = with_procedure(tillaegskoder=["UXZ41", "UXZ99", "UXZ00"])
    assert broken(wrong, "11.59") == [f"{P}.tillaegskoder[1]", f"{P}.tillaegskoder[2]"]
    malformed = with_procedure(tillaegskoder="UXZ41")
    assert broken(malformed, "11.59") == [f"{P}.tillaegskoder"]
