"""The starter set and glossary: TSV reading, idempotent refresh, the data migration."""

from __future__ import annotations

import importlib

from django.apps import apps

from klinik.terminology import starter
from klinik.terminology.choices import CodeSource
from klinik.terminology.models import GlossaryTerm, ImportRun, SKSCode
from klinik.terminology.selectors import code_lookup
from klinik.terminology.services import starter_load
from klinik.terminology.starter import glossary_read, starter_codes_read
from klinik.terminology.tests.conftest import CODES, GLOSSARY

migration = importlib.import_module("klinik.terminology.migrations.0002_load_starter_set")


def test_reading_the_code_file_reports_malformed_rows(write_tsv):
    path = write_tsv(
        "codes.tsv",
        CODES
        + "dia\tdj069\tRepeated in lower case\n"
        + "diagnose\tDJ189\tPneumoni UNS\n"
        + "dia\tJ18.9\n"
        + "dia\tDJ 18\tSpace in code\n"
        + "# a comment\n\n"
        + "opr\tKJEA00\t  Appendektomi  \n",
    )
    result = starter_codes_read(path)
    assert [(r.register, r.code, r.text) for r in result.rows][-1] == (
        "opr",
        "KJEA00",
        "Appendektomi",
    )
    assert len(result.rows) == 5
    assert [p.split(":")[0] for p in result.problems] == [
        "codes.tsv line 6",
        "codes.tsv line 7",
        "codes.tsv line 8",
        "codes.tsv line 9",
    ]
    assert "repeats line 2" in result.problems[0]


def test_a_file_with_the_wrong_header_is_refused(write_tsv):
    result = starter_codes_read(write_tsv("codes.tsv", "code\ttext\nDJ069\tAkut\n"))
    assert result.rows == []
    assert "header must be register TAB code TAB text" in result.problems[0]


def test_glossary_latin_is_unique_ignoring_case_and_spaces(write_tsv):
    path = write_tsv(
        "glossary.tsv",
        GLOSSARY
        + "Pneumonia\tlungebetændelse\t\t\t1\n"
        + "otitis   media  acuta\tx\t\t\t1\n"
        + "icterus\tgulsot\tgul hud\tsymptom\tmaybe\n"
        + "pes planus\tplatfod\n",
    )
    result = glossary_read(path)
    assert len(result.problems) == 3
    assert "'Pneumonia' repeats line 2" in result.problems[0]
    assert "repeats line 5" in result.problems[1]
    assert "regular 'maybe'" in result.problems[2]
    pes = result.rows[-1]
    assert (pes.latin, pes.danish, pes.plain, pes.regular) == ("pes planus", "platfod", "", True)
    assert next(r for r in result.rows if r.latin == "otitis media").regular is False


def test_starter_load_is_idempotent_and_refreshes_changes(clean, write_tsv):
    codes = write_tsv("codes.tsv", CODES)
    glossary = write_tsv("glossary.tsv", GLOSSARY)
    first = starter_load(codes_path=codes, glossary_path=glossary).run
    assert (first.rows_read, first.rows_created, first.rows_updated) == (12, 12, 0)
    djo69 = code_lookup(code="DJ069")
    assert djo69 is not None and djo69.source == CodeSource.STARTER
    assert djo69.valid_from == starter.STARTER_VALID_FROM and djo69.valid_to is None
    before = list(SKSCode.objects.order_by("pk").values())
    second = starter_load(codes_path=codes, glossary_path=glossary).run
    assert (second.rows_created, second.rows_updated, second.rows_deleted) == (0, 0, 0)
    assert list(SKSCode.objects.order_by("pk").values()) == before

    write_tsv("codes.tsv", CODES.replace("Feber UNS", "Feber, uspecificeret"))
    write_tsv("glossary.tsv", GLOSSARY.replace("ulcus\tsår\tsår\tfinding\t1\n", ""))
    third = starter_load(codes_path=codes, glossary_path=glossary).run
    assert (third.rows_created, third.rows_updated, third.rows_deleted) == (0, 1, 1)
    assert code_lookup(code="DR509").text == "Feber, uspecificeret"
    assert not GlossaryTerm.objects.filter(latin="ulcus").exists()


def test_starter_load_if_changed_skips_unchanged_files(clean, write_tsv):
    codes = write_tsv("codes.tsv", CODES)
    glossary = write_tsv("glossary.tsv", GLOSSARY)
    assert starter_load(codes_path=codes, glossary_path=glossary, if_changed=True) is not None
    assert starter_load(codes_path=codes, glossary_path=glossary, if_changed=True) is None
    write_tsv("codes.tsv", CODES + "dia\tDR51\tHovedpine\n")
    again = starter_load(codes_path=codes, glossary_path=glossary, if_changed=True)
    assert again is not None and again.run.rows_created == 1


def test_migration_loads_the_files_and_skips_missing_ones(clean, write_tsv, tmp_path, monkeypatch):
    monkeypatch.setattr(starter, "STARTER_CODES_PATH", tmp_path / "missing-codes.tsv")
    monkeypatch.setattr(starter, "GLOSSARY_PATH", tmp_path / "missing-glossary.tsv")
    migration.load(apps, None)  # no files: nothing happens, nothing fails
    assert not SKSCode.objects.exists() and not ImportRun.objects.exists()

    monkeypatch.setattr(starter, "STARTER_CODES_PATH", write_tsv("starter_codes.tsv", CODES))
    migration.load(apps, None)  # the glossary file is still missing
    assert SKSCode.objects.count() == 4 and not GlossaryTerm.objects.exists()
    run = ImportRun.objects.get()
    assert (run.kind, run.file_name, run.rows_created) == ("starter", "starter_codes.tsv", 4)


def test_a_fresh_database_has_the_shipped_starter_codes(db):
    shipped = starter_codes_read()
    assert shipped.problems == []
    assert len(shipped.rows) >= 200
    assert SKSCode.objects.filter(source=CodeSource.STARTER).count() == len(shipped.rows)
    djo69 = code_lookup(code="DJ069")
    assert djo69 is not None and djo69.register == "dia"


def test_a_fresh_database_has_the_shipped_glossary(db):
    shipped = glossary_read()
    assert shipped.problems == []
    assert len(shipped.rows) >= 200
    assert GlossaryTerm.objects.count() == len(shipped.rows)
