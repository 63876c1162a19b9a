"""docs/lpr3-rules.md lists every rule and is current with the registered rules."""

from __future__ import annotations

from pathlib import Path

from klinik.reporting.lpr3.catalogue import catalogue
from klinik.reporting.lpr3.engine import registry
from klinik.reporting.lpr3.rules_doc import DOC_PATH, declared_reasons, rules_markdown

REPO = Path(__file__).resolve().parents[4]


def test_the_rules_doc_is_current() -> None:
    written = (REPO / DOC_PATH).read_text(encoding="utf-8")
    assert written == rules_markdown(), "run `klinik lpr3 rules-doc` and commit the file"


def test_the_doc_names_every_rule_once() -> None:
    text = rules_markdown()
    for rule_id in catalogue():
        assert text.count(f"| `{rule_id}` |") == 1, rule_id


def test_a_rule_is_implemented_or_says_why_not() -> None:
    text = rules_markdown()
    assert "no: not implemented" not in text
    # A reason for a registered rule would contradict it.
    assert not set(declared_reasons()) & set(registry())
