"""The AMU course catalogue and the seed's competences: read from the seed, shipped as files.

The seed (the job-area description "Administration i sundhedssektoren") ends with a table of the
AMU courses tied to the job area. `seed_courses_parse` reads that table as the seed prints it;
`klinik staff catalogue-from-seed SEED` writes the result to `data/amu_courses.tsv`, which is
committed and loaded into the database by migration 0002 and `klinik staff catalogue-load`.

Two traps in the seed's table (docs/adr/0024-staff-catalogue.md):
- 49995's title is broken over two lines and cut off ("...uddannelsesansvarl"): the lines are
  joined, and the cut title is completed from `TITLE_COMPLETIONS`.
- four titles appear twice under different numbers (45215/47668, 45347/47669, 45511/47670,
  45536/47671): the number is the key, both are kept.

No model imports here: the data migration passes its historical models in.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
COURSES_PATH = DATA_DIR / "amu_courses.tsv"
COMPETENCES_PATH = DATA_DIR / "competences.json"

TABLE_START = "Nummer, niveau og titel"
LEVELS = ("AA", "AD", "AF", "AL", "AP")
# A complete row: number, title, level code, days ("1,0"), tied-from date, "og fremefter".
_ROW = re.compile(
    r"^(?P<number>\d{5})\s+(?P<title>.+?)\s+(?P<level>A[ADFLP])\s+(?P<days>\d+,\d+)\s+"
    r"(?P<tied_from>\d{2}-\d{2}-\d{4})\s+og fremefter\s*$"
)
_STARTS_ROW = re.compile(r"^\d{5}\s")
# Titles the seed cuts off: number -> (the seed's text, the full title).
TITLE_COMPLETIONS = {
    "49995": (
        "EUD-Oplæringsvejledning for den uddannelsesansvarl",
        "EUD-Oplæringsvejledning for den uddannelsesansvarlige",
    ),
}
HEADER = ("number", "level", "title", "days", "tied_from")


class CatalogueError(ValueError):
    """The seed's table or the shipped file cannot be read."""


@dataclass(frozen=True)
class CourseRow:
    number: str
    level: str
    title: str
    days: Decimal
    tied_from: dt.date


def seed_courses_parse(text: str) -> list[CourseRow]:
    """The course rows of the seed's table, in the seed's order."""
    start = text.find(TABLE_START)
    if start < 0:
        raise CatalogueError(f"the seed has no course table (no {TABLE_START!r})")
    rows: list[CourseRow] = []
    pending = ""  # a row broken over several lines, joined so far
    for raw in text[start:].splitlines()[1:]:
        line = " ".join(raw.split())
        if not line:
            continue
        if _STARTS_ROW.match(line):
            if pending:
                raise CatalogueError(f"unfinished row: {pending!r}")
            pending = line
        elif pending:
            pending = f"{pending} {line}"
        else:
            continue  # the header's continuation ("i dage", "Tilknyttet i perioden")
        match = _ROW.match(pending)
        if match:
            rows.append(_row(match))
            pending = ""
    if pending:
        raise CatalogueError(f"unfinished row: {pending!r}")
    numbers = [row.number for row in rows]
    if len(set(numbers)) != len(numbers):
        raise CatalogueError("a course number appears twice")
    return rows


def _row(match: re.Match[str]) -> CourseRow:
    number, title = match["number"], match["title"]
    cut, full = TITLE_COMPLETIONS.get(number, ("", ""))
    if cut and title == cut:
        title = full
    day, month, year = (int(part) for part in match["tied_from"].split("-"))
    return CourseRow(
        number=number,
        level=match["level"],
        title=title,
        days=Decimal(match["days"].replace(",", ".")),
        tied_from=dt.date(year, month, day),
    )


def courses_write(rows: Iterable[CourseRow], path: Path = COURSES_PATH) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter="\t", lineterminator="\n")
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow(
                [row.number, row.level, row.title, str(row.days), row.tied_from.isoformat()]
            )


def courses_read(path: Path = COURSES_PATH) -> list[CourseRow]:
    with path.open(encoding="utf-8", newline="") as source:
        reader = csv.reader(source, delimiter="\t")
        if tuple(next(reader, ())) != HEADER:
            raise CatalogueError(f"{path.name}: the first line must be the header {HEADER}")
        return [
            CourseRow(
                number=number,
                level=level,
                title=title,
                days=Decimal(days),
                tied_from=dt.date.fromisoformat(tied_from),
            )
            for number, level, title, days, tied_from in reader
        ]


def competences_read(path: Path = COMPETENCES_PATH) -> list[dict[str, Any]]:
    """The seed's four competences: code, name, description, tasks, the courses that build it."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data["competences"])


@dataclass(frozen=True)
class LoadCounts:
    courses_created: int
    courses_updated: int
    competences_created: int
    competences_updated: int


def catalogue_apply(
    *,
    course_model: Any,
    competence_model: Any,
    courses: list[CourseRow],
    competences: list[dict[str, Any]],
) -> LoadCounts:
    """Create or update the national courses and competences (organisation empty) and their
    links. Idempotent; a clinic's own courses and competences are not touched."""
    counts = {"cc": 0, "cu": 0, "kc": 0, "ku": 0}
    by_number = {}
    for row in courses:
        course, created = course_model.objects.update_or_create(
            organisation=None,
            number=row.number,
            defaults={
                "level": row.level,
                "title": row.title,
                "days": row.days,
                "tied_from": row.tied_from,
                "is_amu": True,
            },
        )
        counts["cc" if created else "cu"] += 1
        by_number[row.number] = course
    for position, item in enumerate(competences, start=1):
        competence, created = competence_model.objects.update_or_create(
            organisation=None,
            code=item["code"],
            defaults={
                "name": item["name"],
                "description": item["description"],
                "tasks": list(item["tasks"]),
                "position": position,
            },
        )
        counts["kc" if created else "ku"] += 1
        competence.courses.set([by_number[n] for n in item["courses"] if n in by_number])
    return LoadCounts(counts["cc"], counts["cu"], counts["kc"], counts["ku"])
