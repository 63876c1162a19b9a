"""Danish postal codes: the shipped, dated table (loaded by a migration, so the test database
has it), a newer file in PostNord's or DAWA's shape, the source and date recorded on the
import run, a file with problems refused whole, and the lookup."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from klinik.terminology.choices import RunKind
from klinik.terminology.models import ImportRun, PostalCode
from klinik.terminology.postal import POSTAL_CODES_PATH, postal_read
from klinik.terminology.selectors import postal_code_city
from klinik.terminology.services import postal_codes_load


def test_the_shipped_table_is_dated_sourced_and_loaded(db):
    shipped = postal_read(POSTAL_CODES_PATH)
    assert shipped.problems == []
    assert shipped.source.startswith("https://www.postnord.dk/")
    assert shipped.source_date == date(2020, 10, 17)
    assert len(shipped.codes) > 1000
    assert all(code >= "1000" for code in shipped.codes)  # PostNord's 0xxx codes are left out
    # The migration loaded it and logged where it came from.
    assert PostalCode.objects.count() == len(shipped.codes)
    run = ImportRun.objects.get(kind=RunKind.POSTAL)
    assert (run.source_url, run.source_date) == (shipped.source, shipped.source_date)
    assert postal_code_city(code="8000") == "Aarhus C"
    assert postal_code_city(code=" 2100 ") == "København Ø"
    assert postal_code_city(code="DK-5000") == "Odense C"


@pytest.mark.parametrize("code", ["", "0999", "9999", "80000", "80a0", "3900"])
def test_a_code_the_table_lacks_gives_no_town(db, code):
    assert postal_code_city(code=code) is None


def test_a_newer_postnord_file_replaces_the_table_and_records_its_source(db, tmp_path):
    newer = tmp_path / "postnumre.csv"
    newer.write_text(
        "\ufeffAMTS_NR;ADRESSERINGSNAVN;KOMMUNE_NR;ADRESSERINGSNAVN_1;POSTNR;BYNAVN\n"
        "1082;Region Midtjylland;751;Aarhus Kommune;8000;Aarhus C\n"
        "1082;Region Midtjylland;751;Aarhus Kommune;8210;Aarhus V\n"
        "1082;Region Midtjylland;740;Silkeborg Kommune;8210;Aarhus V\n"  # two municipalities
        "1084;Region Hovedstaden;101;Københavns Kommune;0900;København C\n",
        encoding="utf-8",
    )
    outcome = postal_codes_load(path=newer, source_url="https://example.org/postnumre.csv")
    assert outcome is not None and outcome.problems == []
    assert dict(PostalCode.objects.values_list("code", "city")) == {
        "8000": "Aarhus C",
        "8210": "Aarhus V",
    }
    run = outcome.run
    assert (run.kind, run.file_name, run.source_url) == (
        RunKind.POSTAL,
        "postnumre.csv",
        "https://example.org/postnumre.csv",
    )
    assert run.rows_read == 2 and run.rows_created == 0 and run.rows_deleted > 1000
    # The same file again, when unchanged: nothing to do.
    assert postal_codes_load(path=newer, if_changed=True) is None


def test_a_dawa_list_is_read_too(db, tmp_path):
    dawa = tmp_path / "postnumre.json"
    dawa.write_text(
        json.dumps([{"nr": "7100", "navn": "Vejle"}, {"nr": "7000", "navn": "Fredericia"}])
    )
    postal_codes_load(path=dawa)
    assert postal_code_city(code="7000") == "Fredericia"
    assert PostalCode.objects.count() == 2


def test_a_file_with_problems_changes_nothing(db, tmp_path):
    before = PostalCode.objects.count()
    bad = tmp_path / "bad.tsv"
    bad.write_text(
        "# date: 2026-01-01\ncode\tcity\n8000\tAarhus C\n80x0\tNowhere\n8000\tAnden by\n",
        encoding="utf-8",
    )
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="not changed"):
        call_command("terminology", "postal", str(bad), stdout=out, stderr=err)
    assert "'80x0' is not a four-digit postal code" in err.getvalue()
    assert "8000 is 'Anden by' here, 'Aarhus C' above" in err.getvalue()
    assert PostalCode.objects.count() == before
    assert postal_code_city(code="2100") == "København Ø"
    refused = ImportRun.objects.filter(kind=RunKind.POSTAL).latest("pk")
    assert refused.problems == 2 and refused.source_date == date(2026, 1, 1)
    assert refused.rows_created == refused.rows_deleted == 0
