"""The AMU course catalogue matches the seed exactly: the shipped file, the database and the API.

The seed (the job-area description the project was created from) lives beside the repository
in `../shared/seed/`; where it is absent (a fresh clone) the seed comparisons are skipped and the
shipped file's own checks still run.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from klinik.staff import catalogue
from klinik.staff.models import Competence, Course

REPO = Path(__file__).resolve().parents[3]
THE_FOUR = [
    "Assistance ved undersøgelse og behandling/terapi",
    "Behandling af data og informationer i patientforløb",
    "Patient- og klinikadministration i sundhedssektoren",
    "Planlægning og koordinering af patientforløb",
]
TWICE = {
    "Grundlæggende faglig regning": {"45215", "47668"},
    "Grundlæggende faglig matematik": {"45347", "47669"},
    "Faglig læsning": {"45511", "47670"},
    "Faglig skrivning": {"45536", "47671"},
}
FULL_49995 = "EUD-Oplæringsvejledning for den uddannelsesansvarlige"


def _seed_text() -> str | None:
    """The seed document in `shared/seed/` beside the repository (or beside a worktree's
    folder), found by its course table."""
    for parent in REPO.parents:
        folder = parent / "shared" / "seed"
        for path in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
            text = path.read_text(encoding="utf-8")
            if catalogue.TABLE_START in text:
                return text
    return None


@pytest.fixture(scope="module")
def seed_text() -> str:
    text = _seed_text()
    if text is None:
        pytest.skip("the seed is not beside the repository (../shared/seed/)")
    return text


def test_the_shipped_file_is_what_the_importer_makes_of_the_seed(seed_text):
    assert catalogue.seed_courses_parse(seed_text) == catalogue.courses_read()


def test_every_seed_row_is_in_the_catalogue_as_printed_and_nothing_else(seed_text):
    """Independent of the parser: each shipped row, printed the seed's way, is in the seed's
    text (whitespace and line breaks aside), and there are as many rows as the seed has."""
    flat = " ".join(seed_text.split())
    rows = catalogue.courses_read()
    assert len(rows) == flat.count(" og fremefter") == 50
    for row in rows:
        title = (
            "EUD-Oplæringsvejledning for den uddannelsesansvarl"
            if row.number == "49995"
            else row.title
        )
        printed = (
            f"{row.number} {title} {row.level} {str(row.days).replace('.', ',')} "
            f"{row.tied_from:%d-%m-%Y} og fremefter"
        )
        assert printed in flat, printed


def test_the_two_traps_broken_title_and_titles_under_two_numbers():
    by_number = {row.number: row for row in catalogue.courses_read()}
    assert by_number["49995"].title == FULL_49995
    assert by_number["49995"].level == "AF"
    for title, numbers in TWICE.items():
        assert {n for n, row in by_number.items() if row.title == title} == numbers


def test_a_seed_already_carrying_the_full_title_reads_the_same():
    text = "Nummer, niveau og titel\n\n49995 " + FULL_49995 + " AF 1,0  17-08-2022 og fremefter\n"
    (row,) = catalogue.seed_courses_parse(text)
    assert row == catalogue.CourseRow(
        "49995", "AF", FULL_49995, Decimal("1.0"), dt.date(2022, 8, 17)
    )


def test_a_seed_without_the_table_or_with_a_half_row_is_refused():
    with pytest.raises(catalogue.CatalogueError):
        catalogue.seed_courses_parse("no table here")
    with pytest.raises(catalogue.CatalogueError):
        catalogue.seed_courses_parse("Nummer, niveau og titel\n12345 Halv titel AD\n")


def test_the_database_holds_the_shipped_catalogue_and_the_four_competences(db):
    rows = catalogue.courses_read()
    stored = list(Course.objects.filter(organisation=None).order_by("number"))
    assert [(c.number, c.level, c.title, c.days, c.tied_from) for c in stored] == [
        (r.number, r.level, r.title, r.days, r.tied_from) for r in rows
    ]
    national = Competence.objects.filter(organisation=None).order_by("position")
    assert [c.name for c in national] == THE_FOUR
    assert all(c.tasks for c in national)
    drg = Course.objects.get(number="45583", organisation=None)
    assert {c.code for c in drg.competences.all()} == {"data", "administration"}


def test_catalogue_load_again_changes_nothing(db):
    before = Course.objects.count(), Competence.objects.count()
    call_command("staff", "catalogue-load")
    assert (Course.objects.count(), Competence.objects.count()) == before


def test_catalogue_from_seed_writes_the_file(tmp_path, seed_text):
    seed = tmp_path / "seed.txt"
    seed.write_text(seed_text, encoding="utf-8")
    out = tmp_path / "courses.tsv"
    call_command("staff", "catalogue-from-seed", str(seed), "--out", str(out))
    assert out.read_text(encoding="utf-8") == catalogue.COURSES_PATH.read_text(encoding="utf-8")
