"""Fixtures: the two SKScomplete sample files, small starter TSVs, a clean terminology."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from klinik.terminology.models import GlossaryTerm, ImportRun, SKSCode
from klinik.terminology.services import sks_import, starter_load

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = FIXTURES / "SKScomplete-sample.txt"  # 20 code versions
NEXT = FIXTURES / "SKScomplete-next.txt"  # the following quarter

GLOSSARY = """\
latin\tdanish\tplain\tcategory\tregular
pneumonia\tpneumoni\tlungebetændelse\tdisease\t1
bronchitis acuta\takut bronkitis\takut betændelse i luftrørene\tdisease\t1
otitis media\tmellemørebetændelse\tbetændelse i mellemøret\tdisease\t0
otitis media acuta\takut mellemørebetændelse\takut betændelse i mellemøret\tdisease\t0
ulcus\tsår\tsår\tfinding\t1
ulcus duodeni\tsår på tolvfingertarmen\tmavesår i tolvfingertarmen\tdisease\t1
appendicitis\tblindtarmsbetændelse\tbetændelse i blindtarmen\tdisease\t0
oesophagus\tspiserør\tspiserøret\tanatomy\t0
"""

CODES = """\
register\tcode\ttext
dia\tDJ069\tAkut infektion i øvre luftveje UNS
dia\tDR509\tFeber UNS
adm\tALCA00\tFysisk fremmøde
dia\tDZ000\tAlmen helbredsundersøgelse
"""


@pytest.fixture
def clean(db: None) -> None:
    """No codes, terms or runs: what the migration loaded from the shipped files is gone
    (for this test only; the transaction is rolled back)."""
    SKSCode.objects.all().delete()
    GlossaryTerm.objects.all().delete()
    ImportRun.objects.all().delete()


@pytest.fixture
def write_tsv(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def sample(clean: None) -> None:
    sks_import(path=SAMPLE)


@pytest.fixture
def glossary(clean: None, write_tsv: Callable[[str, str], Path], tmp_path: Path) -> None:
    starter_load(
        codes_path=tmp_path / "no-codes.tsv", glossary_path=write_tsv("glossary.tsv", GLOSSARY)
    )
