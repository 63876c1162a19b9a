"""The LPR3 framework: the catalogue, the document's parsing, the context and the engine."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from klinik.reporting.lpr3 import engine
from klinik.reporting.lpr3.catalogue import Group, Severity, catalogue
from klinik.reporting.lpr3.document import DocumentError, parse_report
from klinik.reporting.lpr3.engine import Context, Span, registry, rule
from klinik.reporting.lpr3.lists import LISTS
from klinik.reporting.lpr3.tests.builder import (
    NOW,
    change,
    check,
    code_source,
    document,
    kontakt,
    sor_source,
)


def test_catalogue_holds_the_399_rules_with_their_groups_and_severities() -> None:
    rules = catalogue()
    assert len(rules) == 399
    assert rules["05.14"].group is Group.KONTAKT
    assert rules["05.14"].severity is Severity.ERROR
    assert rules["05.14"].text.startswith("Hvis en kontakt er afsluttet")
    assert rules["02.a"].number == 2001
    warnings = [r.id for r in rules.values() if r.severity is Severity.WARNING]
    assert len(warnings) == 6


def test_registering_an_id_not_in_the_catalogue_fails() -> None:
    with pytest.raises(engine.RuleRegistrationError):
        rule("99.99")


def test_registering_an_id_twice_fails() -> None:
    registered = next(iter(registry()))
    with pytest.raises(engine.RuleRegistrationError):
        rule(registered)(lambda report, ctx: ())


def test_the_sample_document_breaks_no_rule() -> None:
    assert check(document()) == []


@pytest.mark.parametrize("field", ["patient", "forloebselementer"])
def test_a_document_without_a_required_part_is_a_shape_error(field: str) -> None:
    doc = document()
    del doc[field]
    with pytest.raises(DocumentError) as error:
        parse_report(doc)
    assert error.value.field == field


def test_a_list_of_the_wrong_kind_is_a_shape_error_naming_its_path() -> None:
    doc = change(document(), "forloebselementer[0].kontakter", {"id": "k1"})
    with pytest.raises(DocumentError) as error:
        parse_report(doc)
    assert error.value.field == "forloebselementer[0].kontakter"


def test_a_malformed_time_is_kept_as_none_and_named() -> None:
    doc = change(document(), "forloebselementer[0].kontakter[0].start", "5 March")
    report = parse_report(doc)
    kontakt_ = report.forloebselementer[0].kontakter[0]
    assert kontakt_.start is None
    assert kontakt_.malformed == {"start"}
    assert kontakt_.raw["start"] == "5 March"
    assert kontakt_.at("start") == "forloebselementer[0].kontakter[0].start"


def test_naive_times_are_danish_time() -> None:
    doc = change(document(), "forloebselementer[0].start", "2024-03-01T08:00:00")
    start = parse_report(doc).forloebselementer[0].start
    assert start == datetime(2024, 3, 1, 7, 0, tzinfo=UTC)


def test_every_part_is_parsed_with_every_field() -> None:
    """The parser fills the frozen parts without their __init__ (for speed): a field left out
    would only show as an AttributeError in some rule, so each part is checked here on a
    document carrying every optional part."""
    doc = document()
    element = doc["forloebselementer"][0]
    element["reference"] = {"type": "ALAA01", "forloebselement": "f0", "cpr": "0101801234"}
    element["henvisning"]["aarsag_tillaeg"] = ["DJ189"]
    contact = element["kontakter"][0]
    contact["henvisning"] = {"tidspunkt": "2024-03-01T08:00:00+01:00", "maade": "ALDA00"}
    contact["behandlingsstart"] = "2024-03-05T09:10:00+01:00"
    contact["diagnoser"][0]["tillaegskoder"] = ["DJ189"]
    contact["procedurer"][0]["tillaegskoder"] = ["UXCA00"]
    contact["opholdsadresser"].append({"fravaer": "ALCF01", "start": "2024-03-05T10:00:00+01:00"})
    report = parse_report(doc)
    kinds = set()
    for part in report.parts():
        kinds.add(type(part).__name__)
        assert {f.name for f in fields(part)} <= vars(part).keys(), type(part).__name__
        assert part == replace(part)  # the same as one made through __init__
    assert len(kinds) == 10


def test_the_report_gathers_its_codes_for_one_read() -> None:
    codes = parse_report(document()).codes()
    assert {"ALAL01", "ALAC01", "ALDA00", "DJ189", "ALDB00", "AFV01A1", "ALCA00", "ATA3"} <= codes
    assert "UXCA00" in codes


def test_the_context_reads_codes_once_and_judges_validity_by_danish_day() -> None:
    reads: list[frozenset[str]] = []

    def source(codes: frozenset[str]) -> dict[str, tuple[Span, ...]]:
        reads.append(codes)
        return {"DJ189": (Span(date(2000, 1, 1), date(2024, 3, 1)),)} if "DJ189" in codes else {}

    report = parse_report(document())
    ctx = Context.for_report(report, now=NOW, code_source=source, sor_source=lambda codes: {})
    assert len(reads) == 1
    # 23:30 UTC on 1 March is 2 March in Denmark: the code has closed.
    assert ctx.is_valid("DJ189", datetime(2024, 3, 1, 22, 30, tzinfo=UTC)) is True
    assert ctx.is_valid("DJ189", datetime(2024, 3, 1, 23, 30, tzinfo=UTC)) is False
    assert ctx.is_valid("ALAL01", NOW) is False  # not read: unknown
    assert ctx.sks("DJ189") == (Span(date(2000, 1, 1), date(2024, 3, 1)),)


def test_code_lists_are_data() -> None:
    assert "ALCA00" in LISTS["admin.konttype"]
    assert "ATA2" not in LISTS["admin.prioritet"]
    assert "AFB23C2B" in LISTS["forloeb.markoer"]
    assert all(code_list.source for code_list in LISTS.values())


def test_findings_are_sorted_by_path_with_indexes_as_numbers() -> None:
    doc = document()
    doc["forloebselementer"][0]["kontakter"] = [kontakt(id=f"k{i}") for i in range(11)]
    for i in range(11):
        doc["forloebselementer"][0]["kontakter"][i]["diagnoser"] = []
    paths = [f.path for f in check(doc) if f.rule == "05.14"]
    assert paths == sorted(paths, key=lambda p: int(p.split("[")[2].split("]")[0]))


def test_validation_reads_codes_and_units_in_one_query_each(
    db: None, django_assert_num_queries: Any
) -> None:
    doc = document()
    doc["forloebselementer"] = doc["forloebselementer"] * 10
    with django_assert_num_queries(2):
        findings = engine.validate(doc, now=NOW)
    # Codes come from the starter set: DJ189 is in it, the builder's test-only ALAC01 is not.
    assert ("02.55", "forloebselementer[0].afslutningsmaade") in {
        (f.rule, f.path) for f in findings
    }
    assert not [f for f in findings if f.path.endswith("diagnoser[0].kode")]


def test_a_cached_code_source_reads_each_code_once_across_reports() -> None:
    reads: list[frozenset[str]] = []

    def source(codes: frozenset[str]) -> dict[str, tuple[Span, ...]]:
        reads.append(codes)
        return code_source(codes)

    cached = engine.cached_codes(source)
    first = check_with(document(), cached)
    second = check_with(change(document(), "forloebselementer[0].label", "ALAL02"), cached)
    assert first == [] and second == []
    assert reads[1] == {"ALAL02"}
    assert len(reads) == 2


def check_with(doc: dict[str, Any], source: engine.CodeSource) -> list[engine.Finding]:
    return engine.validate(doc, now=NOW, code_source=source, sor_source=sor_source)
