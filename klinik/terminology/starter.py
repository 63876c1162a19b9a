"""The starter set that makes Klinik work offline out of the box: the codes most used in
general practice and the demo departments (data/starter_codes.tsv) and the glossary of
medical Latin (data/glossary.tsv), both UTF-8, tab-separated, with a header line.

No model imports at module level: migration 0002 loads the files through `starter_apply`
with its historical models (so this function may only write fields that exist there).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from klinik.terminology.choices import CodeSource

DATA_DIR = Path(__file__).resolve().parent / "data"
STARTER_CODES_PATH = DATA_DIR / "starter_codes.tsv"
GLOSSARY_PATH = DATA_DIR / "glossary.tsv"
CODES_HEADER = ("register", "code", "text")
GLOSSARY_HEADER = ("latin", "danish", "plain", "category", "regular")
# A starter row stands in for the official versions until an SKS import replaces it; it is
# valid from the start of the Danish ICD-10 (1 January 1994) and open-ended.
STARTER_VALID_FROM = date(1994, 1, 1)

_REGISTER = re.compile(r"^[a-z]{3}$")
_CODE = re.compile(r"^[A-Z][A-Z0-9]{0,19}$")
_TRUE = {"1", "true", "yes", "ja", "j", "y", "x", "regular"}
_FALSE = {"0", "false", "no", "nej", "n", "irregular"}
_LIMITS = {"text": 250, "latin": 200, "danish": 200, "plain": 300, "category": 40}


@dataclass(frozen=True)
class StarterCode:
    register: str
    code: str
    text: str


@dataclass(frozen=True)
class StarterTerm:
    latin: str
    danish: str
    plain: str
    category: str
    regular: bool

    @property
    def key(self) -> str:
        return self.latin.lower()


@dataclass
class TsvResult:
    rows: list[Any] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _spaces(text: str) -> str:
    return " ".join(text.split())


def _lines(path: Path, header: tuple[str, ...], result: TsvResult) -> list[tuple[int, list[str]]]:
    """(line number, cells) of the data lines; blank and `#` lines skipped."""
    found: list[tuple[int, list[str]]] = []
    seen_header = False
    with path.open(encoding="utf-8-sig") as stream:
        for number, raw in enumerate(stream, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cells = [cell.strip() for cell in line.split("\t")]
            if not seen_header:
                seen_header = True
                if tuple(c.lower() for c in cells[: len(header)]) != header:
                    expected = " TAB ".join(header)
                    result.problems.append(f"{path.name} line {number}: header must be {expected}")
                    return []
                continue
            found.append((number, cells))
    return found


def _too_long(values: dict[str, str]) -> str | None:
    for name, value in values.items():
        if len(value) > _LIMITS.get(name, 10_000):
            return f"{name} longer than {_LIMITS[name]} characters"
    return None


def starter_codes_read(path: Path = STARTER_CODES_PATH) -> TsvResult:
    """The codes of the starter TSV; malformed and repeated rows are reported, not loaded."""
    result = TsvResult()
    seen: dict[tuple[str, str], int] = {}
    for number, cells in _lines(path, CODES_HEADER, result):
        where = f"{path.name} line {number}"
        if len(cells) < 3:
            result.problems.append(f"{where}: expected 3 columns, found {len(cells)}")
            continue
        register, code, text = (
            cells[0].lower(),
            cells[1].upper().replace(".", ""),
            _spaces(cells[2]),
        )
        problem = None
        if not _REGISTER.match(register):
            problem = f"register {cells[0]!r} is not an SKS register"
        elif not _CODE.match(code):
            problem = f"code {cells[1]!r} is not an SKS code"
        elif not text:
            problem = "text is empty"
        else:
            problem = _too_long({"text": text})
        if problem is None and (register, code) in seen:
            problem = f"{register} {code} repeats line {seen[register, code]}"
        if problem:
            result.problems.append(f"{where}: {problem}")
            continue
        seen[register, code] = number
        result.rows.append(StarterCode(register, code, text))
    return result


def glossary_read(path: Path = GLOSSARY_PATH) -> TsvResult:
    """The glossary terms; Latin is unique ignoring case and spacing."""
    result = TsvResult()
    seen: dict[str, int] = {}
    for number, cells in _lines(path, GLOSSARY_HEADER, result):
        where = f"{path.name} line {number}"
        if len(cells) < 2:
            result.problems.append(f"{where}: expected 5 columns, found {len(cells)}")
            continue
        cells += [""] * (5 - len(cells))
        latin, danish, plain, category = (_spaces(c) for c in cells[:4])
        flag = cells[4].lower()
        problem = None
        if not latin or not danish:
            problem = "latin and danish are required"
        else:
            problem = _too_long(
                {"latin": latin, "danish": danish, "plain": plain, "category": category}
            )
        if problem is None and latin.lower() in seen:
            problem = f"{latin!r} repeats line {seen[latin.lower()]}"
        if problem is None and flag and flag not in _TRUE | _FALSE:
            problem = f"regular {cells[4]!r} is not 1 or 0"
        if problem:
            result.problems.append(f"{where}: {problem}")
            continue
        seen[latin.lower()] = number
        result.rows.append(StarterTerm(latin, danish, plain, category, flag not in _FALSE))
    return result


@dataclass
class StarterCounts:
    read: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0


def starter_apply(
    *,
    code_model: Any,
    glossary_model: Any,
    codes: list[StarterCode] | None,
    terms: list[StarterTerm] | None,
) -> StarterCounts:
    """Make the starter codes and the glossary equal to `codes` and `terms` (call inside a
    transaction). None leaves that part alone (its file is missing).

    Codes that an SKS import has brought in are not touched: official versions win.
    """
    # Reads better whole: codes then terms, each compared and written in bulk, counted as it goes.
    counts = StarterCounts()
    if codes is not None:
        counts.read += len(codes)
        official = set(
            code_model.objects.filter(source=CodeSource.SKS)
            .values_list("register", "code")
            .distinct()
        )
        current = {
            (r, c): (pk, text)
            for pk, r, c, text in code_model.objects.filter(source=CodeSource.STARTER).values_list(
                "pk", "register", "code", "text"
            )
        }
        wanted = {(row.register, row.code): row for row in codes}
        stale = [pk for key, (pk, _text) in current.items() if key not in wanted or key in official]
        new, changed = [], []
        for key, row in wanted.items():
            if key in official:
                continue
            if key not in current:
                new.append(
                    code_model(
                        register=row.register,
                        code=row.code,
                        text=row.text,
                        valid_from=STARTER_VALID_FROM,
                        valid_to=None,
                        changed=None,
                        level="",
                        source=CodeSource.STARTER,
                    )
                )
            elif current[key][1] != row.text:
                changed.append(code_model(pk=current[key][0], text=row.text))
        code_model.objects.bulk_create(new, batch_size=1000)
        code_model.objects.bulk_update(changed, ["text"], batch_size=500)
        counts.deleted += code_model.objects.filter(pk__in=stale).delete()[0]
        counts.created += len(new)
        counts.updated += len(changed)
    if terms is not None:
        counts.read += len(terms)
        fields = ("latin", "danish", "plain", "category", "regular")
        existing = {
            latin.lower(): (pk, (latin, danish, plain, category, regular))
            for pk, latin, danish, plain, category, regular in glossary_model.objects.values_list(
                "pk", *fields
            )
        }
        wanted_terms = {term.key: term for term in terms}
        stale = [pk for key, (pk, _values) in existing.items() if key not in wanted_terms]
        counts.deleted += glossary_model.objects.filter(pk__in=stale).delete()[0]
        new, changed = [], []
        for term_key, term in wanted_terms.items():
            values = (term.latin, term.danish, term.plain, term.category, term.regular)
            if term_key not in existing:
                new.append(glossary_model(**dict(zip(fields, values, strict=True))))
            elif existing[term_key][1] != values:
                changed.append(
                    glossary_model(
                        pk=existing[term_key][0], **dict(zip(fields, values, strict=True))
                    )
                )
        glossary_model.objects.bulk_create(new, batch_size=1000)
        glossary_model.objects.bulk_update(changed, list(fields), batch_size=500)
        counts.created += len(new)
        counts.updated += len(changed)
    return counts


def files_checksum(paths: Iterable[Path]) -> str:
    """SHA-256 over the files that exist among `paths` (names included), for "unchanged?"."""
    digest = hashlib.sha256()
    for path in paths:
        if path.exists():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
