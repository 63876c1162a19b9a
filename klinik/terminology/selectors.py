"""Reads: type-ahead over codes and glossary, code lookup, Danish renderings of Latin terms.

Search runs on an in-process index (search.py) built from the database on first use and
rebuilt when the latest ImportRun changes, i.e. after an import or a starter run in any
process (one small query per search checks that).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Lower
from django.utils import timezone

from klinik.terminology.choices import (
    REGISTER_ORDER,
    CodeSource,
    HitKind,
    RunKind,
    kind_of_register,
)
from klinik.terminology.models import GlossaryTerm, ImportRun, PostalCode, SKSCode
from klinik.terminology.phrases import lay_term
from klinik.terminology.search import Index, code_candidates, code_entry, term_entry

KINDS = frozenset(k.value for k in HitKind)
MAX_LIMIT = 100
LARGE_INDEX = 20_000  # entries: rebuilt in the background, kept from the garbage collector


@dataclass(frozen=True)
class TermHit:
    kind: str  # "diagnosis" | "procedure" | "other code" | "term"
    code: str | None
    text: str
    latin: str | None
    danish: str | None
    plain: str | None
    score: float
    register: str | None = None


@dataclass(frozen=True)
class Rendering:
    term: str
    danish: str
    plain: str | None
    source: str  # "glossary" | "rules"

    @property
    def lay(self) -> str | None:
        return lay_term(self.plain)

    @property
    def replacements(self) -> tuple[str, ...]:
        return _replacements(self.term, self.danish, self.lay)


@dataclass(frozen=True)
class TermMatch:
    start: int  # character offsets in the text: text[start:end] is the term as written
    end: int
    text: str
    latin: str
    danish: str
    plain: str | None  # the plain rendering: a lay term, maybe with an explanation
    lay: str | None = None  # its lay term alone: what may replace the Latin; None if none


@dataclass(frozen=True)
class TermOffer:
    """A Latin term of a note, once however often it is written, with what may replace it."""

    text: str  # as first written
    latin: str
    danish: str
    plain: str | None
    lay: str | None
    spans: tuple[tuple[int, int], ...]  # every place it is written: (start, end)
    replacements: tuple[str, ...]  # distinct terms, the Danish form first; never an explanation


@dataclass(frozen=True)
class StarterStatus:
    codes: int  # starter codes in the database
    terms: int  # glossary terms
    loaded_at: date | None  # the last starter run


def starter_status() -> StarterStatus:
    """What the starter set holds now, for the console ("unchanged" says what is there)."""
    last = ImportRun.objects.filter(kind=RunKind.STARTER).order_by("-pk").first()
    return StarterStatus(
        codes=SKSCode.objects.filter(source=CodeSource.STARTER).count(),
        terms=GlossaryTerm.objects.count(),
        loaded_at=timezone.localdate(last.finished_at) if last else None,
    )


def postal_code_city(*, code: str) -> str | None:
    """The town of a Danish postal code ("8000" → "Aarhus C"); None when the table does not
    know it (a foreign or mistyped code: the town is then typed)."""
    code = (code or "").strip().removeprefix("DK-").removeprefix("DK")
    code = code.strip()
    if len(code) != 4 or not code.isdigit():
        return None
    return PostalCode.objects.filter(code=code).values_list("city", flat=True).first()


def postal_codes_status() -> ImportRun | None:
    """The last postal-code load: its file, source and date."""
    return ImportRun.objects.filter(kind=RunKind.POSTAL).order_by("-pk").first()


# The index ---------------------------------------------------------------------------------------

_lock = threading.Lock()
_cached: tuple[tuple[object, ...], Index] | None = None


def terminology_version() -> tuple[object, ...]:
    """Changes with every import or starter run (a rolled-back one included), and with rows
    added outside them (tests, the shell): the latest run's random id and the highest keys."""
    runs, codes, terms = (m._meta.db_table for m in (ImportRun, SKSCode, GlossaryTerm))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT public_id FROM {runs} ORDER BY id DESC LIMIT 1),"  # noqa: S608
            f" (SELECT MAX(id) FROM {codes}), (SELECT MAX(id) FROM {terms})"
        )
        return tuple(cursor.fetchone())


def index_build() -> Index:
    entries = [
        code_entry(
            kind=kind_of_register(register).value,
            register=register,
            code=code,
            text=text,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        for register, code, text, valid_from, valid_to in SKSCode.objects.values_list(
            "register", "code", "text", "valid_from", "valid_to"
        ).iterator(chunk_size=5000)
    ]
    entries += [
        term_entry(latin=latin, danish=danish, plain=plain, category=category)
        for latin, danish, plain, category in GlossaryTerm.objects.values_list(
            "latin", "danish", "plain", "category"
        )
    ]
    return Index(entries, today=timezone.localdate())


def terminology_index() -> Index:
    """This process's index, rebuilt when the data has changed since it was built.

    A large index (the full SKS) is rebuilt in a background thread while the old one keeps
    answering: for some seconds after a quarterly import, type-ahead shows the previous
    release instead of making someone wait. Only the very first build is waited for.
    """
    version = terminology_version()
    cached = _cached
    if cached is not None and cached[0] == version:
        return cached[1]
    if cached is not None and len(cached[1].entries) >= LARGE_INDEX:
        _rebuild_in_background(version)
        return cached[1]
    with _lock:
        if _cached is None or _cached[0] != version:
            _install(version, index_build())
        assert _cached is not None
        return _cached[1]


def _install(version: tuple[object, ...], index: Index) -> None:
    """Make `index` the process's index (call holding `_lock`)."""
    global _cached
    _cached = (version, index)
    if len(index.entries) >= LARGE_INDEX:
        # The index lives as long as the process: keep the cyclic garbage collector from
        # walking its hundreds of thousands of objects on every full collection (a stall of
        # a second at full SKS). A replaced index is freed by reference counting, which
        # freezing does not stop.
        gc.collect()
        gc.freeze()


_rebuilding: threading.Thread | None = None


def _rebuild_in_background(version: tuple[object, ...]) -> None:
    global _rebuilding
    with _lock:
        if _rebuilding is not None and _rebuilding.is_alive():
            return
        _rebuilding = threading.Thread(
            target=_rebuild, args=(version,), name="terminology-index", daemon=True
        )
        _rebuilding.start()


def _rebuild(version: tuple[object, ...]) -> None:
    try:
        index = index_build()
        with _lock:
            _install(version, index)
    finally:
        connection.close()  # this thread's own connection


def index_warm() -> threading.Thread:
    """Build this process's index in a background thread, so that the first type-ahead after
    a (re)start does not wait for it (seconds at the full SKS). Web workers call this as
    they start (config/gunicorn.py)."""

    def warm() -> None:
        try:
            terminology_index()
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=warm, name="terminology-warm", daemon=True)
    thread.start()
    return thread


# Selectors ---------------------------------------------------------------------------------------


def terminology_search(
    *,
    query: str,
    limit: int = 20,
    kinds: set[str] | None = None,
    on: date | None = None,
) -> list[TermHit]:
    """Codes and glossary terms for type-ahead, best first: code prefixes (`dj06`, `J06.9`),
    words of Danish texts by prefix in any order, Latin and Danish forms of glossary terms,
    forgiving a typing error or two and æ/ae, ø/oe, å/aa. Codes valid on `on` (default today).
    """
    if kinds is not None and not kinds <= KINDS:
        raise ValueError(f"Unknown kinds: {', '.join(sorted(kinds - KINDS))}")
    if not query.strip():
        return []
    limit = max(1, min(limit, MAX_LIMIT))
    hits = terminology_index().search(
        query, limit=limit, kinds=kinds, on=on or timezone.localdate()
    )
    return [
        TermHit(
            kind=hit.entry.kind,
            code=hit.entry.code,
            text=hit.entry.text,
            latin=hit.entry.latin,
            danish=hit.entry.danish,
            plain=hit.entry.plain,
            score=hit.score,
            register=hit.entry.register,
        )
        for hit in hits
    ]


def code_lookup(*, code: str, on: date | None = None) -> SKSCode | None:
    """The version of `code` valid on `on` (default today), or None when the code is unknown
    or not valid then. Accepts `dj069`, `DJ06.9` and the ICD-10 form `J06.9`."""
    on = on or timezone.localdate()
    register_rank = Case(
        *(When(register=r, then=Value(i)) for i, r in enumerate(REGISTER_ORDER)),
        default=Value(len(REGISTER_ORDER)),
        output_field=IntegerField(),
    )
    official_first = Case(
        When(source=CodeSource.SKS, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    for candidate in code_candidates(code):
        found = (
            SKSCode.objects.filter(code=candidate, valid_from__lte=on)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
            .order_by(register_rank, official_first, "-valid_from")
            .first()
        )
        if found is not None:
            return found
    return None


def code_validity(*, codes: Iterable[str]) -> dict[str, list[tuple[date, date | None]]]:
    """Per code (as stored: upper case, no dot), the validity spans of all its versions, in
    every register: (valid from, last valid day or None for open-ended). Codes not known are
    absent. One query, for checking a whole document's codes against their dates (LPR3)."""
    spans: dict[str, list[tuple[date, date | None]]] = {}
    rows = SKSCode.objects.filter(code__in=set(codes)).values_list("code", "valid_from", "valid_to")
    for code, valid_from, valid_to in rows.order_by("code", "valid_from"):
        spans.setdefault(code, []).append((valid_from, valid_to))
    return spans


def term_danish(*, term: str) -> Rendering:
    """The Danish form of a Latin term: the glossary's (with a plain-language rendering), or
    else the spelling rules' (fordanskning; no plain rendering)."""
    spaced = " ".join(term.split())
    if not spaced:
        raise ValueError("term is empty")
    found = (
        GlossaryTerm.objects.annotate(key=Lower("latin"))
        .filter(key=spaced.lower())
        .values_list("danish", "plain")
        .first()
    )
    if found is not None:
        return Rendering(term=spaced, danish=found[0], plain=found[1] or None, source="glossary")
    # Imported here: the rule engine is its own module and may be loaded lazily.
    from klinik.terminology.fordanskning import danish_spelling

    return Rendering(term=spaced, danish=danish_spelling(spaced), plain=None, source="rules")


def terms_in_text(*, text: str) -> list[TermMatch]:
    """Glossary Latin terms in a note with their offsets (multi-word terms first, longest
    match), for marking them in the editor and offering the Danish renderings. Genitive and
    adjective forms of glossary words count, and the phrases they make ("carcinoma mammae",
    "cholecystitis acuta") are rendered as a whole where the rules can (phrases.py)."""
    found = []
    for match in terminology_index().phrases_in(text):
        plain = match.plain if match.latin else match.entry.plain
        found.append(
            TermMatch(
                start=match.start,
                end=match.end,
                text=text[match.start : match.end],
                latin=match.latin or match.entry.latin or "",
                danish=match.danish or match.entry.danish or "",
                plain=plain,
                lay=lay_term(plain),
            )
        )
    return found


def term_offers(*, text: str) -> list[TermOffer]:
    """The Latin helper's offers for a note: one per term however often it is written (same
    spelling, any case), each replacement once — the Danish form when it differs from the
    text, the lay term when it differs from both — so no two buttons do the same."""
    groups: dict[str, list[TermMatch]] = {}
    for match in terms_in_text(text=text):
        groups.setdefault(" ".join(match.text.lower().split()), []).append(match)
    offers = []
    for matches in groups.values():
        first = matches[0]
        offers.append(
            TermOffer(
                text=first.text,
                latin=first.latin,
                danish=first.danish,
                plain=first.plain,
                lay=first.lay,
                spans=tuple((m.start, m.end) for m in matches),
                replacements=_replacements(first.text, first.danish, first.lay),
            )
        )
    return offers


def _replacements(written: str, danish: str, lay: str | None) -> tuple[str, ...]:
    """The Danish form and the lay term, each once, leaving out what is already written."""
    found: list[str] = []
    seen = {" ".join(written.lower().split())}
    for candidate in (danish, lay):
        key = " ".join((candidate or "").lower().split())
        if key and key not in seen:
            seen.add(key)
            found.append(candidate or "")
    return tuple(found)


def code_choices(*, prefix: str, on: date | None = None) -> list[tuple[str, str]]:
    """A value list: the codes starting with `prefix` valid on `on` (default today), as
    (code, "code text"), one row per code (the newest version), for a choice field."""
    on = on or timezone.localdate()
    rows = (
        SKSCode.objects.filter(code__startswith=prefix, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("code", "-valid_from")
        .values_list("code", "text")
    )
    found: dict[str, str] = {}
    for code, text in rows:
        found.setdefault(code, f"{code} {text}")
    return list(found.items())
