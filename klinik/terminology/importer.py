"""SKScomplete.txt: parse the fixed-width Latin-1 file and bring the SKS codes up to date.

Layout (1-based columns, Sundhedsdatastyrelsen's table structure): 1-3 register, 4-23 code,
24-31 valid from, 32-39 changed, 40-47 valid to (`25000101` = open), 48-167 Danish text,
168-173 level. One line per code version; the file carries the history, so an import
upserts versions by (register, code, valid from): new versions are created, changed ones
(a version that got its end date: "closed") updated, and nothing else is touched.
"""

from __future__ import annotations

import email.utils
import hashlib
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from klinik.terminology.choices import CodeSource
from klinik.terminology.models import SKSCode

SKS_URL = "https://filer.sundhedsdata.dk/sks/data/skscomplete/SKScomplete.txt"
ENCODING = "latin-1"
OPEN_ENDED = "25000101"
BATCH_SIZE = 2000
MIN_LINE_LENGTH = 47  # through "valid to"; text and level may be missing
PROBLEM_SAMPLE = 50  # malformed lines kept on the ImportRun

_REGISTER = re.compile(r"^[a-z]{3}$")
# SKS codes are capitals and digits; a misaligned line shows here as spaces or lower case.
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9.+/_\-]*$")

Progress = Callable[[int], None]  # bytes read since the last call


@dataclass(frozen=True)
class SKSRow:
    line: int
    register: str
    code: str
    valid_from: date
    changed: date | None
    valid_to: date | None
    text: str
    level: str

    @property
    def key(self) -> tuple[str, str, date]:
        return (self.register, self.code, self.valid_from)


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class _BadLine(ValueError):
    pass


def _date(raw: str, field: str, *, optional: bool = False) -> date | None:
    raw = raw.strip()
    if not raw and optional:
        return None
    if not (len(raw) == 8 and raw.isdigit()):
        raise _BadLine(f"{field} {raw!r} is not a date YYYYMMDD")
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        raise _BadLine(f"{field} {raw!r} is not a valid date") from None


def sks_parse_line(line: str, number: int) -> SKSRow:
    """One line of SKScomplete.txt (decoded, without the line break); raises `ValueError`."""
    if len(line) < MIN_LINE_LENGTH:
        raise _BadLine(f"too short ({len(line)} characters, at least {MIN_LINE_LENGTH})")
    register = line[0:3]
    if not _REGISTER.match(register):
        raise _BadLine(f"register {register!r} is not three lower-case letters")
    code = line[3:23].strip()
    if not _CODE.match(code):
        raise _BadLine(f"code {code!r} is not an SKS code")
    valid_from = _date(line[23:31], "valid from")
    changed = _date(line[31:39], "changed", optional=True)
    raw_to = line[39:47].strip()
    valid_to = None if raw_to in ("", OPEN_ENDED) else _date(raw_to, "valid to")
    assert valid_from is not None
    if valid_to is not None and valid_to < valid_from:
        raise _BadLine(f"valid to {raw_to} is before valid from")
    text = " ".join(line[47:167].split())
    level = line[167:173].strip()
    if level and not level.isdigit():
        raise _BadLine(f"level {level!r} is not a number")
    return SKSRow(number, register, code, valid_from, changed, valid_to, text, level)


def sks_parse(stream: BinaryIO, *, progress: Progress | None = None) -> Iterator[SKSRow | Problem]:
    """Rows and problems of a SKScomplete file, streamed; blank lines are skipped."""
    for number, raw in enumerate(stream, start=1):
        if progress is not None:
            progress(len(raw))
        line = raw.decode(ENCODING).rstrip("\r\n")
        if not line.strip():
            continue
        try:
            yield sks_parse_line(line, number)
        except ValueError as exc:
            yield Problem(number, str(exc))


@dataclass
class UpsertCounts:
    read: int = 0
    created: int = 0
    updated: int = 0
    closed: int = 0
    deleted: int = 0


_FIELDS = ("text", "changed", "valid_to", "level", "source")


def sks_upsert(rows: Iterable[SKSRow | Problem]) -> tuple[UpsertCounts, list[Problem]]:
    """Write the versions of `rows` (call inside a transaction).

    Versions are matched on (register, code, valid from). Starter-set rows of a code the file
    carries give way to the official versions (a starter row with the same valid-from is
    taken over, others are deleted). Versions missing from the file are left alone: SDS
    never retracts a published version.
    """
    # Reads better whole: one pass that matches, inserts, updates and retires versions, with
    # the counts kept beside each bulk statement.
    existing: dict[tuple[str, str, date], tuple[int, str, date | None, date | None, str, str]]
    existing = {
        (r, c, f): (pk, text, changed, to, level, source)
        for pk, r, c, f, text, changed, to, level, source in SKSCode.objects.values_list(
            "pk", "register", "code", "valid_from", "text", "changed", "valid_to", "level", "source"
        ).iterator(chunk_size=BATCH_SIZE)
    }
    counts = UpsertCounts()
    problems: list[Problem] = []
    seen: dict[tuple[str, str, date], int] = {}
    codes_in_file: set[tuple[str, str]] = set()
    to_create: list[SKSCode] = []
    to_update: list[SKSCode] = []

    def flush(final: bool = False) -> None:
        if to_create and (final or len(to_create) >= BATCH_SIZE):
            SKSCode.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
            to_create.clear()
        if to_update and (final or len(to_update) >= BATCH_SIZE):
            SKSCode.objects.bulk_update(to_update, _FIELDS, batch_size=500)
            to_update.clear()

    for row in rows:
        if isinstance(row, Problem):
            problems.append(row)
            continue
        counts.read += 1
        if row.key in seen:
            problems.append(
                Problem(row.line, f"{row.code} from {row.valid_from} repeats line {seen[row.key]}")
            )
            continue
        seen[row.key] = row.line
        codes_in_file.add((row.register, row.code))
        new = (row.text, row.changed, row.valid_to, row.level, CodeSource.SKS.value)
        old = existing.get(row.key)
        if old is None:
            counts.created += 1
            to_create.append(
                SKSCode(
                    register=row.register,
                    code=row.code,
                    valid_from=row.valid_from,
                    text=row.text,
                    changed=row.changed,
                    valid_to=row.valid_to,
                    level=row.level,
                    source=CodeSource.SKS,
                )
            )
        elif old[1:] != new:
            counts.updated += 1
            if old[3] is None and row.valid_to is not None:
                counts.closed += 1
            to_update.append(SKSCode(pk=old[0], **dict(zip(_FIELDS, new, strict=True))))
        flush()
    flush(final=True)
    # Starter rows the official file now covers.
    superseded = [
        pk
        for (register, code, valid_from), (pk, *_rest, source) in existing.items()
        if source == CodeSource.STARTER
        and (register, code) in codes_in_file
        and (register, code, valid_from) not in seen
    ]
    for start in range(0, len(superseded), 500):
        counts.deleted += SKSCode.objects.filter(pk__in=superseded[start : start + 500]).delete()[0]
    return counts, problems


# Files and downloads ---------------------------------------------------------------------------


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Download:
    path: Path  # a temporary file; the caller removes it
    url: str
    last_modified: str


def _http_date(value: str) -> float | None:
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def sks_download(*, url: str, if_modified_since: str = "", timeout: float = 300) -> Download | None:
    """Fetch `url` (http(s), file:// or a local path) unless it is not newer than
    `if_modified_since` (an HTTP date); None when not modified.

    Servers answer 304 to If-Modified-Since; file URLs don't look at it, so the dates are also
    compared here.
    """
    if "://" not in url:
        url = Path(url).resolve().as_uri()
    if not url.startswith(("https://", "http://", "file://")):
        raise ValueError(f"Cannot download from {url!r}")
    request = urllib.request.Request(url, headers={"User-Agent": "Klinik terminology update"})  # noqa: S310
    if if_modified_since:
        request.add_header("If-Modified-Since", if_modified_since)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return None
        raise
    with response:
        last_modified = response.headers.get("Last-Modified", "")
        newer, older = _http_date(last_modified), _http_date(if_modified_since)
        if newer is not None and older is not None and newer <= older:
            return None
        handle, name = tempfile.mkstemp(prefix="SKScomplete-", suffix=".txt")
        with os.fdopen(handle, "wb") as out:
            shutil.copyfileobj(response, out, 1 << 20)
    return Download(path=Path(name), url=url, last_modified=last_modified)
