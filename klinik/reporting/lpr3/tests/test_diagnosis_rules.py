"""The DIAGNOSE rules: each with a document that breaks it and one that does not.

The documents are the builder's valid report with one contact changed; the SKS codes are the
builder's plus the diagnosis codes below (in memory, no database).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from klinik.reporting.lpr3.catalogue import catalogue
from klinik.reporting.lpr3.engine import Span, registry, validate
from klinik.reporting.lpr3.rules.diagnosis import NOT_IMPLEMENTED
from klinik.reporting.lpr3.tests import builder
from klinik.reporting.lpr3.tests.builder import NOW, SINCE, change, document, kontakt

K = "forloebselementer[0].kontakter[0]"

ALWAYS_VALID = (Span(SINCE, None),)
CODES: dict[str, tuple[Span, ...]] = {
    **builder.CODES,
    **dict.fromkeys(
        (
            "DI109",  # essentiel hypertension
            "DO800",  # spontan fødsel
            "DZ380",  # levendefødt enkeltbarn, født på sygehus
            "DP95",  # dødfødt foster
            "DX600",  # selvforgiftning
            "DC787",  # metastase i lever
            "ZDW10",  # tillægskode: diagnosen stillet første gang
        ),
        ALWAYS_VALID,
    ),
    "ZDW99": (Span(SINCE, date(2023, 12, 31)),),  # a closed tillægskode
    "DJ18X": (Span(SINCE, date(2024, 3, 3)),),  # closes during the long contact below
    "ZDW20": (Span(date(2024, 3, 5), None),),  # opens during the long contact below
}


def code_source(codes: frozenset[str]) -> dict[str, Sequence[Span]]:
    return {code: CODES[code] for code in codes if code in CODES}


def broken(doc: object, rule_id: str) -> list[str]:
    findings = validate(doc, now=NOW, code_source=code_source, sor_source=builder.sor_source)
    return [f.path for f in findings if f.rule == rule_id]


def with_contact(**changes: Any) -> dict[str, Any]:
    return change(document(), K, kontakt(**changes))


def diagnoses(*pairs: tuple[str, str | None]) -> list[dict[str, Any]]:
    return [{"kode": kode, "art": art} for kode, art in pairs]


def test_every_diagnose_rule_is_implemented_or_says_why_not() -> None:
    ids = {r.id for r in catalogue().values() if r.group == "DIAGNOSE"}
    implemented = ids & set(registry())
    assert implemented.isdisjoint(NOT_IMPLEMENTED)
    assert implemented | set(NOT_IMPLEMENTED) == ids
    assert all(NOT_IMPLEMENTED.values())


# Art and code lists


def test_12_a_2_art_must_be_a_or_b() -> None:
    ok = with_contact(diagnoser=diagnoses(("DJ189", "A"), ("DI109", "B")))
    assert broken(ok, "12.a-2") == []
    wrong = with_contact(diagnoser=diagnoses(("DJ189", "A"), ("DI109", "C"), ("DZ380", None)))
    assert broken(wrong, "12.a-2") == [f"{K}.diagnoser[1].art", f"{K}.diagnoser[2].art"]


def test_12_101a_aktionsdiagnose_code_must_be_a_diagnosis_code() -> None:
    assert broken(with_contact(diagnoser=diagnoses(("DJ189", "A"))), "12.101a") == []
    wrong = with_contact(diagnoser=diagnoses(("KJFG20", "A"), ("UXCA00", "B")))
    assert broken(wrong, "12.101a") == [f"{K}.diagnoser[0].kode"]


def test_12_101b_bidiagnose_code_must_be_a_diagnosis_code() -> None:
    ok = with_contact(diagnoser=diagnoses(("DJ189", "A"), ("DI109", "B")))
    assert broken(ok, "12.101b") == []
    # A procedure code and a missing code as bidiagnoser.
    wrong = with_contact(diagnoser=[*diagnoses(("DJ189", "A"), ("UXCA00", "B")), {"art": "B"}])
    assert broken(wrong, "12.101b") == [f"{K}.diagnoser[1].kode", f"{K}.diagnoser[2].kode"]


# Validity dates


def test_12_52_diagnosis_code_valid_in_the_contact_period() -> None:
    # DJ180 closed at the end of 2023; the contact is in March 2024.
    wrong = with_contact(diagnoser=diagnoses(("DJ180", "A"), ("DZ999", "B")))
    assert broken(wrong, "12.52") == [f"{K}.diagnoser[0].kode", f"{K}.diagnoser[1].kode"]
    assert broken(with_contact(diagnoser=diagnoses(("DJ189", "A"))), "12.52") == []
    # An open contact that started in December 2023: the code was valid in its first days.
    still_open = with_contact(
        start="2023-12-20T09:00:00+01:00",
        slut=None,
        opholdsadresser=[],
        procedurer=[],
        diagnoser=diagnoses(("DJ180", "A")),
    )
    assert broken(still_open, "12.52") == []


def test_12_59_tillaegskode_valid_in_the_contact_period() -> None:
    ok = with_contact(diagnoser=[{"kode": "DJ189", "art": "A", "tillaegskoder": ["ZDW10"]}])
    assert broken(ok, "12.59") == []
    wrong = with_contact(
        diagnoser=[{"kode": "DJ189", "art": "A", "tillaegskoder": ["ZDW10", "ZDW99", "ZZZ"]}]
    )
    assert broken(wrong, "12.59") == [
        f"{K}.diagnoser[0].tillaegskoder[1]",
        f"{K}.diagnoser[0].tillaegskoder[2]",
    ]
    malformed = with_contact(diagnoser=[{"kode": "DJ189", "art": "A", "tillaegskoder": "ZDW10"}])
    assert broken(malformed, "12.59") == [f"{K}.diagnoser[0].tillaegskoder"]


def test_12_59_1_tillaegskode_valid_while_the_primary_code_is() -> None:
    # A contact from 1 to 10 March 2024: DJ18X is valid to 3 March, ZDW20 from 5 March. Each is
    # valid during the contact (12.52, 12.59), but never on the same day.
    long_contact = {
        "start": "2024-03-01T09:00:00+01:00",
        "slut": "2024-03-10T10:00:00+01:00",
        "opholdsadresser": [],
        "procedurer": [],
    }
    wrong = with_contact(
        **long_contact, diagnoser=[{"kode": "DJ18X", "art": "A", "tillaegskoder": ["ZDW20"]}]
    )
    assert broken(wrong, "12.59-1") == [f"{K}.diagnoser[0].tillaegskoder[0]"]
    assert broken(wrong, "12.52") == broken(wrong, "12.59") == []
    ok = with_contact(
        **long_contact, diagnoser=[{"kode": "DJ18X", "art": "A", "tillaegskoder": ["ZDW10"]}]
    )
    assert broken(ok, "12.59-1") == []


# Births and deaths


@pytest.mark.parametrize(("rule_id", "code"), [("12.03.103", "DO800"), ("12.03.105", "DZ380")])
def test_birth_aktionsdiagnose_needs_an_acute_meeting(rule_id: str, code: str) -> None:
    ok = with_contact(prioritet="ATA1", aarsag="ALCC01", diagnoser=diagnoses((code, "A")))
    assert broken(ok, rule_id) == []
    planned = with_contact(prioritet="ATA3", diagnoser=diagnoses((code, "A")))
    assert broken(planned, rule_id) == [f"{K}.diagnoser[0]"]
    virtual = with_contact(
        type="ALCA03", prioritet="ATA1", opholdsadresser=[], diagnoser=diagnoses((code, "A"))
    )
    assert broken(virtual, rule_id) == [f"{K}.diagnoser[0]"]
    # As a bidiagnose the rule does not apply (12104/12105 report the art).
    as_bidiagnose = with_contact(diagnoser=diagnoses(("DJ189", "A"), (code, "B")))
    assert broken(as_bidiagnose, rule_id) == []


@pytest.mark.parametrize(("rule_id", "code"), [("12.03.106", "DP95"), ("12.03.109", "DR99")])
def test_stillborn_and_death_aktionsdiagnose_need_a_death_contact(rule_id: str, code: str) -> None:
    wrong = with_contact(diagnoser=diagnoses((code, "A")))
    assert broken(wrong, rule_id) == [f"{K}.diagnoser[0]"]
    ok = with_contact(type="ALCA20", prioritet="ATA1", diagnoser=diagnoses((code, "A")))
    assert broken(ok, rule_id) == []


@pytest.mark.parametrize(("rule_id", "code"), [("12104", "DZ380"), ("12105", "DO800")])
def test_birth_diagnoses_are_aktionsdiagnoser(rule_id: str, code: str) -> None:
    wrong = with_contact(diagnoser=diagnoses(("DJ189", "A"), (code, "B")))
    assert broken(wrong, rule_id) == [f"{K}.diagnoser[1].art"]
    ok = with_contact(prioritet="ATA1", aarsag="ALCC01", diagnoser=diagnoses((code, "A")))
    assert broken(ok, rule_id) == []


# Psychiatry


def test_12_107a_dx_and_dy_diagnoses_are_bidiagnoser() -> None:
    wrong = with_contact(diagnoser=diagnoses(("DX600", "A")))
    assert broken(wrong, "12.107a") == [f"{K}.diagnoser[0].art"]
    ok = with_contact(diagnoser=diagnoses(("DJ189", "A"), ("DX600", "B")))
    assert broken(ok, "12.107a") == []


# Cancer


def test_12109_metastasis_as_aktionsdiagnose_needs_a_primary_cancer() -> None:
    wrong = with_contact(diagnoser=diagnoses(("DC787", "A"), ("DI109", "B")))
    assert broken(wrong, "12109") == [f"{K}.diagnoser[0]"]
    ok = with_contact(diagnoser=diagnoses(("DC787", "A"), ("DC509", "B")))
    assert broken(ok, "12109") == []
    assert broken(ok, "12.109a") == []


def test_12_109a_metastasis_as_bidiagnose_needs_a_primary_cancer() -> None:
    wrong = with_contact(diagnoser=diagnoses(("DJ189", "A"), ("DC787", "B")))
    assert broken(wrong, "12.109a") == [f"{K}.diagnoser[1]"]
    assert broken(wrong, "12109") == []
    ok = with_contact(diagnoser=diagnoses(("DC509", "A"), ("DC787", "B")))
    assert broken(ok, "12.109a") == []


def test_the_diagnosis_groups_keep_metastases_apart_from_primary_cancers() -> None:
    from klinik.reporting.lpr3.lists import LISTS

    primary, metastasis = LISTS["diag.kraeft.primaer"], LISTS["diag.kraeft.metastase"]
    for code in ("DC509", "DC760", "DC800", "DC969"):
        assert code in primary and code not in metastasis
    for code in ("DC770", "DC787", "DC799"):
        assert code in metastasis and code not in primary
