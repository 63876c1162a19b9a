"""Danish postal codes: read a file of codes and towns, and make the table equal to it.

Three shapes are read, told apart by their header line:
  * the shipped table (data/postal_codes.tsv): UTF-8, tab-separated, header `code<TAB>city`,
    with `# source:` and `# date:` comment lines naming where and when the data came from;
  * PostNord's postal-code file (postnummerfil) as CSV: `;`-separated, columns `POSTNR` and
    `BYNAVN` among others, one row per code and municipality;
  * the national address register's list (DAWA/Dataforsyningen `/postnumre`) as JSON: a list of
    objects with `nr` and `navn`.
Codes are four digits from 1000; the 0xxx codes are PostNord's own (companies, parcel centres,
"abroad") and no one lives there, so they are skipped.

No model imports at module level: the data migration applies the shipped table with its
historical model through `postal_apply`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
POSTAL_CODES_PATH = DATA_DIR / "postal_codes.tsv"
CITY_MAX = 100

_CODE = re.compile(r"^[1-9][0-9]{3}$")
_META = re.compile(r"^#\s*(source|date)\s*:\s*(.+?)\s*$", re.IGNORECASE)


@dataclass
class PostalFile:
    """The codes of a file (code → town), what was wrong with it and where it came from."""

    codes: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    source: str = ""
    source_date: date | None = None


def _add(result: PostalFile, where: str, code: str, city: str) -> None:
    code, city = code.strip(), " ".join(city.split())
    if code.startswith("0") and len(code) == 4 and code.isdigit():
        return  # PostNord's non-address codes
    if not _CODE.match(code):
        result.problems.append(f"{where}: {code!r} is not a four-digit postal code")
    elif not city or len(city) > CITY_MAX:
        result.problems.append(f"{where}: the town of {code} is empty or too long")
    elif result.codes.get(code, city) != city:
        result.problems.append(f"{where}: {code} is {city!r} here, {result.codes[code]!r} above")
    else:
        result.codes[code] = city


def _read_tsv(text: str, result: PostalFile) -> None:
    header_seen = False
    for number, line in enumerate(text.splitlines(), start=1):
        meta = _META.match(line.strip())
        if meta:
            key, value = meta.group(1).lower(), meta.group(2)
            if key == "source":
                result.source = value[:500]
            else:
                try:
                    result.source_date = date.fromisoformat(value)
                except ValueError:
                    result.problems.append(f"line {number}: date {value!r} is not YYYY-MM-DD")
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t")
        if not header_seen:
            header_seen = True
            if [c.strip().lower() for c in cells[:2]] != ["code", "city"]:
                result.problems.append(f"line {number}: header must be code TAB city")
                return
            continue
        if len(cells) < 2:
            result.problems.append(f"line {number}: expected 2 columns, found {len(cells)}")
            continue
        _add(result, f"line {number}", cells[0], cells[1])


def _read_postnord(text: str, result: PostalFile) -> None:
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    for number, row in enumerate(reader, start=2):
        _add(result, f"line {number}", row.get("POSTNR") or "", row.get("BYNAVN") or "")


def _read_dawa(text: str, result: PostalFile) -> None:
    try:
        rows: Any = json.loads(text)
    except ValueError as exc:
        result.problems.append(f"not JSON: {exc}")
        return
    if not isinstance(rows, list):
        result.problems.append("expected a JSON list of postal codes")
        return
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            result.problems.append(f"item {number}: not an object")
            continue
        _add(result, f"item {number}", str(row.get("nr", "")), str(row.get("navn", "")))


def postal_read(path: Path = POSTAL_CODES_PATH) -> PostalFile:
    """The codes of a postal-code file in any of the three shapes; problems are reported,
    their rows skipped."""
    result = PostalFile()
    text = path.read_text(encoding="utf-8-sig")
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), "")
    if text.lstrip().startswith("["):
        _read_dawa(text, result)
    elif "POSTNR" in first.upper().split(";"):
        _read_postnord(text, result)
    else:
        _read_tsv(text, result)
    if not result.codes and not result.problems:
        result.problems.append("no postal codes in the file")
    return result


@dataclass
class PostalCounts:
    read: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0


def postal_apply(*, model: Any, codes: dict[str, str]) -> PostalCounts:
    """Make the postal-code table equal to `codes` (call inside a transaction)."""
    counts = PostalCounts(read=len(codes))
    existing = {
        code: (pk, city) for pk, code, city in model.objects.values_list("pk", "code", "city")
    }
    stale = [pk for code, (pk, _city) in existing.items() if code not in codes]
    counts.deleted = model.objects.filter(pk__in=stale).delete()[0] if stale else 0
    new = [model(code=code, city=city) for code, city in codes.items() if code not in existing]
    changed = [
        model(pk=existing[code][0], city=city)
        for code, city in codes.items()
        if code in existing and existing[code][1] != city
    ]
    model.objects.bulk_create(new, batch_size=1000)
    model.objects.bulk_update(changed, ["city"], batch_size=500)
    counts.created, counts.updated = len(new), len(changed)
    return counts
