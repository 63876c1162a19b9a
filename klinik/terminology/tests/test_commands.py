"""`klinik terminology import | update | starter | search`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from klinik.terminology import starter
from klinik.terminology.choices import RunKind
from klinik.terminology.models import GlossaryTerm, ImportRun, SKSCode
from klinik.terminology.tests.conftest import CODES, GLOSSARY, NEXT, SAMPLE


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("terminology", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_reports_counts_and_problems(clean, tmp_path):
    out, err = run("import", str(SAMPLE))
    assert "20 rows read, 20 created, 0 updated (0 closed), 0 deleted" in out
    assert err == ""
    broken = tmp_path / "broken.txt"
    broken.write_bytes(SAMPLE.read_bytes() + b"dia nonsense\n")
    out, err = run("import", str(broken))
    assert "20 rows read, 0 created" in out
    assert "1 malformed lines skipped" in err and "line 21: too short" in err


def test_import_of_a_missing_file_fails_cleanly(clean, tmp_path):
    with pytest.raises(CommandError, match="No file"):
        run("import", str(tmp_path / "nope.txt"))


def test_update_from_a_path_then_not_modified(clean, tmp_path):
    local = tmp_path / "SKScomplete.txt"
    local.write_bytes(NEXT.read_bytes())
    out, _ = run("update", "--url", str(local))
    assert "22 rows read, 22 created" in out
    out, _ = run("update", "--url", local.as_uri())
    assert "has not changed since the last update" in out
    out, _ = run("update", "--url", str(local), "--force")
    assert "22 rows read, 0 created" in out


def test_update_from_an_unreachable_source_fails_cleanly(clean, tmp_path):
    with pytest.raises(CommandError, match="Download from"):
        run("update", "--url", str(tmp_path / "missing.txt"))


def test_starter_loads_the_shipped_files_idempotently(clean, write_tsv, monkeypatch):
    monkeypatch.setattr(starter, "STARTER_CODES_PATH", write_tsv("starter_codes.tsv", CODES))
    monkeypatch.setattr(starter, "GLOSSARY_PATH", write_tsv("glossary.tsv", GLOSSARY))
    out, _ = run("starter")
    first = out
    assert "12 rows read, 12 created" in out
    assert (SKSCode.objects.count(), GlossaryTerm.objects.count()) == (4, 8)
    out, _ = run("starter")
    assert "12 rows read, 0 created, 0 updated" in out
    out, _ = run("starter", "--if-changed")
    assert "Starter set unchanged since " in out
    assert out.strip().endswith(": 4 SKS codes and 8 glossary terms loaded.")
    assert ImportRun.objects.filter(kind=RunKind.STARTER).count() == 2
    # The shipped postal codes come with the starter set, loaded once while unchanged.
    assert ImportRun.objects.filter(kind=RunKind.POSTAL).count() == 1
    assert "postal_codes.tsv: " in first


def test_search_prints_codes_and_terms(sample, glossary):
    out, _ = run("search", "akut", "luftv")
    assert out.splitlines()[0].split()[:2] == ["DJ069", "diagnosis"]
    out, _ = run("search", "pneumonia", "--kind", "term")
    assert out.strip() == "term       pneumonia → pneumoni (lungebetændelse)"
    out, _ = run("search", "xyzzy")
    assert out.strip() == "No match."
