"""Terminology (issue 5): type-ahead over the shipped codes and glossary, and after a full
SKScomplete import."""

from __future__ import annotations

import gc
import random
import re
import string
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from pathlib import Path

from django.db import connection
from django.http import HttpResponse
from django.test import Client

from bench.registry import BenchContext, Measurement, Outcome, benchmark
from bench.timing import Stats
from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.core.tests.factories import MembershipFactory, OrganisationFactory, UnitFactory
from klinik.terminology.models import GlossaryTerm, SKSCode
from klinik.terminology.search import Entry, fold, words
from klinik.terminology.selectors import terminology_index, terminology_search
from klinik.terminology.services import sks_import

TARGET_P95_MS = 10.0
FULL_ROWS = 120_000  # SKScomplete.txt holds about this many code versions
MiB = 1024 * 1024

ABOUT = """\
**Shipped set**: a fresh database holds what migration 0002 loads from the shipped files, the
starter codes (`data/starter_codes.tsv`) and the glossary of medical Latin
(`data/glossary.tsv`). Type-ahead queries are drawn by a seeded RNG from those rows, as typed
into a search box: **code prefixes** (`dj0`, `DJ06`, the ICD-10 form `J06.9`); **word
prefixes** of the Danish texts, one or two words of 3 to 6 letters in either order
(`akut luft`, `luftv akut`); words with æ/ø/å typed as **ae/oe/aa** or as a/o;
**misspellings** (one letter dropped, doubled, swapped or replaced in a word of six or more
letters: `pnemoni`, `hypretension`); and **glossary terms** by the beginning of their Latin
or Danish form. Each query returns the top 20. Timed **in process** (`terminology_search`)
and **through HTTP** with Django's test client and the full middleware stack
(`GET /api/v1/terminology/search?q=` with a bearer token), after a warm-up, both paths and
all kinds shuffled together. The index is built once per process and rebuilt after an
import; building it is timed separately: the first search of a process waits for it, and
after an import a small index is rebuilt at the next search, a large one in a background
thread while the old one answers. Target: type-ahead p95 ≤ 10 ms over the shipped set.

**Full import**: a synthetic SKScomplete.txt in the official fixed-width Latin-1 layout with
120,000 code versions (a tenth with `--quick`; registers, code shapes, history rows with
closed versions and a vocabulary of Danish-looking words of realistic size) is imported with
`sks_import` (the work of `klinik terminology import`), imported again (the idempotent
re-import of an unchanged quarterly file), and the same query mix, drawn now from the whole
register, is timed in process. These figures have no target: they show that type-ahead stays
usable once the official file is loaded."""

_LETTERS = re.compile(r"[^\W\d_]+")
_SPELL_OUT = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})
_SIMPLIFY = str.maketrans({"æ": "a", "ø": "o", "å": "a"})
STYLES = {
    "code": "code prefix",
    "words": "word prefixes, any order",
    "danish": "æ/ø/å typed as ae/oe/aa or a/o",
    "typo": "misspelt word",
    "term": "glossary term",
}


@dataclass(frozen=True)
class Step:
    path: str  # "process" or "http"
    style: str  # a STYLES key
    query: str


@dataclass
class Sample:
    step: Step
    ms: float
    hits: int


@benchmark(name="terminology", title="Terminology type-ahead", about=ABOUT)
def terminology(ctx: BenchContext) -> Outcome:
    per_style = ctx.count(300, minimum=60)
    warmup = ctx.count(40, minimum=20)
    organisation = OrganisationFactory()
    secretary = MembershipFactory(unit=UnitFactory(organisation=organisation), role=Role.SECRETARY)
    _token, raw = api_token_create(user=secretary.user, organisation=organisation)
    api = Client(headers={"authorization": f"Bearer {raw}"})

    codes_shipped = SKSCode.objects.count()
    terms_shipped = GlossaryTerm.objects.count()
    if not codes_shipped:
        raise RuntimeError("No starter codes: did migration 0002 find data/starter_codes.tsv?")
    ctx.log(f"shipped set: {codes_shipped:,} codes, {terms_shipped:,} glossary terms")
    build_shipped = _build_ms()
    entries = list(terminology_index().entries)

    # Shipped set: both paths.
    steps = _steps(ctx, entries, "process", per_style + warmup, warmup) + _steps(
        ctx, entries, "http", per_style + warmup, warmup
    )
    warm = [s for s, is_warm in steps if is_warm]
    timed = [s for s, is_warm in steps if not is_warm]
    ctx.rng.shuffle(warm)
    ctx.rng.shuffle(timed)
    ctx.log(f"timing {len(timed):,} searches after {len(warm):,} warm-up searches")
    shipped = _time(_runner(api), warm, timed)

    # Full import: a synthetic SKScomplete.txt of realistic size.
    rows = ctx.count(FULL_ROWS, minimum=5_000)
    with tempfile.TemporaryDirectory(prefix="klinik-sks-") as scratch:
        path = Path(scratch) / "SKScomplete.txt"
        ctx.log(f"writing a synthetic SKScomplete.txt with {rows:,} code versions")
        written = _write_sks(path, rows, random.Random(ctx.rng.random()))
        size = path.stat().st_size
        ctx.log("importing it")
        started = time.perf_counter()
        first = sks_import(path=path).run
        import_seconds = time.perf_counter() - started
        # A synthetic code may be a starter code too: its row is then taken over (updated).
        if first.rows_created + first.rows_updated != written or first.problems:
            raise RuntimeError(
                f"Imported {first.rows_created + first.rows_updated:,} of {written:,} rows,"
                f" {first.problems} problems"
            )
        started = time.perf_counter()
        again = sks_import(path=path).run
        reimport_seconds = time.perf_counter() - started
        if again.rows_created or again.rows_updated:
            raise RuntimeError("Re-importing the same file changed rows")
    if ctx.database == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    ctx.log("building the index over the full register")
    rss_before = _rss()
    build_full = _build_ms()
    rss_after = _rss()
    full_entries = list(terminology_index().entries)
    full_steps = _steps(ctx, full_entries, "process", per_style + warmup, warmup)
    warm = [s for s, is_warm in full_steps if is_warm]
    timed = [s for s, is_warm in full_steps if not is_warm]
    ctx.rng.shuffle(timed)
    ctx.log(f"timing {len(timed):,} searches over {len(full_entries):,} entries")
    full = _time(_runner(api), warm, timed)

    ms = "ms"
    measurements: list[Measurement] = []
    for label, samples, paths in (
        ("shipped set", shipped, (("process", "in process"), ("http", "HTTP"))),
        ("full import", full, (("process", "in process"),)),
    ):
        prefix = "" if label == "shipped set" else "full_"
        for path_key, where in paths:
            stats = _stats(samples, path=path_key)
            key = f"{prefix}{'' if path_key == 'process' else 'http_'}"
            measurements += [
                Measurement(
                    f"{key}median", f"Type-ahead, {label}, {where}, median", stats.median, ms
                ),
                Measurement(
                    f"{key}p95",
                    f"Type-ahead, {label}, {where}, p95",
                    stats.p95,
                    ms,
                    target=TARGET_P95_MS if prefix == "" else None,
                ),
            ]
            if path_key == "process":
                measurements += [
                    Measurement(
                        f"{key}{style}_p95",
                        f"… {style_label}, p95",
                        _stats(samples, path=path_key, style=style).p95,
                        ms,
                    )
                    for style, style_label in STYLES.items()
                    if any(s.step.style == style for s in samples)
                ]
        if prefix == "":
            measurements.append(
                Measurement("build", "Building the index, shipped set", build_shipped, ms)
            )
    measurements += [
        Measurement("full_build", "Building the index, full import", build_full, ms),
        Measurement("full_import", "Importing SKScomplete.txt", import_seconds, "s"),
        Measurement("full_import_rate", "… rows per second", written / import_seconds, "rows/s"),
        Measurement("full_reimport", "Re-importing it unchanged", reimport_seconds, "s"),
    ]
    if rss_before is not None and rss_after is not None:
        measurements.append(
            Measurement(
                "full_index_memory",
                "Index memory, full import (process RSS growth)",
                (rss_after - rss_before) / MiB,
                "MiB",
            )
        )
    return Outcome(
        measurements=measurements,
        parameters={
            "shipped codes": codes_shipped,
            "shipped glossary terms": terms_shipped,
            "synthetic SKScomplete rows": written,
            "synthetic file (MiB)": round(size / MiB, 1),
            "index entries after the import": len(full_entries),
            "timed searches per style and path": per_style,
        },
        notes=[
            *_empty_notes(shipped, "shipped set"),
            *_empty_notes(full, "full import"),
            *_slowest_notes(shipped, "shipped set"),
            *_slowest_notes(full, "full import"),
        ],
    )


# Queries -----------------------------------------------------------------------------------


def _steps(
    ctx: BenchContext, entries: list[Entry], path: str, count: int, warmup: int
) -> list[tuple[Step, bool]]:
    """`count` queries of every style for one path; the first `warmup` of each are warm-up."""
    rng = ctx.rng
    codes = [e for e in entries if e.code and e.valid_to is None]
    terms = [e for e in entries if e.latin]
    worded = [e for e in codes + terms if any(len(w) >= 3 for w in e.primary)]
    danish = [e for e in codes + terms if any(ch in e.text.lower() for ch in "æøå")]
    long_words = [e for e in codes + terms if any(len(w) >= 6 for w in e.primary)]
    makers: dict[str, Callable[[], str]] = {
        "code": lambda: _code_query(rng, rng.choice(codes)),
        "words": lambda: _words_query(rng, rng.choice(worded)),
        "danish": lambda: _danish_query(rng, rng.choice(danish)),
        "typo": lambda: _typo_query(rng, rng.choice(long_words)),
        "term": lambda: _term_query(rng, rng.choice(terms)),
    }
    found: list[tuple[Step, bool]] = []
    for style, make in makers.items():
        if (style == "term" and not terms) or (style == "danish" and not danish):
            continue
        found += [(Step(path, style, make()), index < warmup) for index in range(count)]
    return found


def _code_query(rng: random.Random, entry: Entry) -> str:
    code = entry.code or ""
    if entry.register == "dia" and len(code) >= 4 and code[2:4].isdigit() and rng.random() < 0.3:
        icd = code[1:]
        return icd[:3] + "." + icd[3:] if len(icd) > 3 else icd  # J06.9
    typed = code[: rng.randint(min(3, len(code)), len(code))]
    return typed.lower() if rng.random() < 0.5 else typed


def _prefix(rng: random.Random, word: str) -> str:
    return word[: rng.randint(min(3, len(word)), min(6, len(word)))]


def _words_query(rng: random.Random, entry: Entry) -> str:
    candidates = [w for w in words(entry.text) if len(w) >= 3] or list(entry.primary)
    chosen = rng.sample(candidates, min(len(candidates), rng.choice((1, 2, 2))))
    rng.shuffle(chosen)
    return " ".join(_prefix(rng, w) for w in chosen)


def _danish_query(rng: random.Random, entry: Entry) -> str:
    word = next(w for w in _LETTERS.findall(entry.text.lower()) if any(ch in w for ch in "æøå"))
    first = min(word.index(ch) for ch in "æøå" if ch in word)
    typed = word[: max(first + 2, min(6, len(word)))]
    return typed.translate(_SPELL_OUT if rng.random() < 0.6 else _SIMPLIFY)


def _typo_query(rng: random.Random, entry: Entry) -> str:
    word = rng.choice([w for w in entry.primary if len(w) >= 6])
    typed = list(word[: rng.randint(6, min(10, len(word)))])
    at = rng.randrange(1, len(typed) - 1)
    kind = rng.choice(("drop", "double", "swap", "replace"))
    if kind == "drop":
        del typed[at]
    elif kind == "double":
        typed.insert(at, typed[at])
    elif kind == "swap":
        typed[at], typed[at + 1] = typed[at + 1], typed[at]
    else:
        typed[at] = rng.choice([c for c in string.ascii_lowercase if c != typed[at]])
    return "".join(typed)


def _term_query(rng: random.Random, entry: Entry) -> str:
    form = entry.latin if rng.random() < 0.6 else entry.danish
    return " ".join(_prefix(rng, w) for w in fold(form or "").split()[:2])


# Running ------------------------------------------------------------------------------------


def _runner(api: Client) -> Callable[[Step], int]:
    def run(step: Step) -> int:
        if step.path == "process":
            return len(terminology_search(query=step.query))
        response: HttpResponse = api.get("/api/v1/terminology/search", {"q": step.query})
        if response.status_code != 200:
            raise RuntimeError(f"{step.query!r}: {response.status_code} {response.content[:200]!r}")
        return len(response.json())

    return run


def _time(run: Callable[[Step], int], warm: list[Step], timed: list[Step]) -> list[Sample]:
    for step in warm:
        run(step)
    gc.collect()
    samples = []
    for step in timed:
        start = time.perf_counter_ns()
        hits = run(step)
        samples.append(Sample(step, (time.perf_counter_ns() - start) / 1e6, hits))
    return samples


def _build_ms() -> float:
    """Milliseconds for building the index from the database (the first search's extra)."""
    from klinik.terminology import selectors

    selectors._cached = None  # as after a start or an import
    gc.collect()
    start = time.perf_counter_ns()
    terminology_index()
    return (time.perf_counter_ns() - start) / 1e6


def _rss() -> int | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    import resource

    return pages * resource.getpagesize()


def _stats(samples: list[Sample], *, path: str, style: str = "") -> Stats:
    return Stats.of(
        [s.ms for s in samples if s.step.path == path and (not style or s.step.style == style)]
    )


def _empty_notes(samples: list[Sample], label: str) -> list[str]:
    notes = []
    for style, style_label in STYLES.items():
        of_style = [s for s in samples if s.step.style == style]
        empty = [s for s in of_style if s.hits == 0]
        if empty:
            examples = ", ".join(f"`{s.step.query}`" for s in empty[:4])
            notes.append(
                f"{label}: {len(empty)} of {len(of_style)} {style_label} queries found nothing"
                f" (drawn from existing rows), e.g. {examples}."
            )
    return notes


def _slowest_notes(samples: list[Sample], label: str) -> list[str]:
    slowest = sorted((s for s in samples if s.step.path == "process"), key=lambda s: -s.ms)[:5]
    shown = ", ".join(f"`{s.step.query}` {s.ms:.1f} ms ({s.hits} hits)" for s in slowest)
    return [f"Slowest searches in process, {label}: {shown}."]


# A synthetic SKScomplete.txt ----------------------------------------------------------------

_REGISTERS = (  # (register, share of the rows)
    ("dia", 0.45),
    ("opr", 0.2),
    ("und", 0.05),
    ("pro", 0.05),
    ("adm", 0.08),
    ("til", 0.1),
    ("atc", 0.07),
)
_ONSETS = ["b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "st", "kr", "bl"]
_VOWELS = ["a", "e", "i", "o", "u", "y", "æ", "ø", "å", "ie", "ei"]
_CODAS = ["", "", "n", "r", "l", "s", "t", "nd", "ng", "rt", "ks"]
_COMMON = ["af", "med", "uden", "i", "og", "UNS", "IKA", "anden", "akut", "kronisk", "ikke"]


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    found: set[str] = set()
    while len(found) < size:
        found.add(
            "".join(
                rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                for _ in range(rng.choice((2, 2, 3, 3, 4)))
            )
        )
    return sorted(found)


def _code(rng: random.Random, register: str) -> str:
    def letters(k: int) -> str:
        return "".join(rng.choices(string.ascii_uppercase, k=k))

    def digits(k: int) -> str:
        return "".join(rng.choices(string.digits, k=k))

    if register == "dia":
        return "D" + letters(1) + digits(rng.randint(2, 4))
    if register == "atc":
        return "M" + letters(1) + digits(2) + letters(2) + digits(2)
    if register == "pro":
        return "B" + letters(3) + digits(rng.randint(1, 3))
    first = {"opr": "K", "til": "K", "und": "U", "adm": "A"}[register]
    return first + letters(3) + digits(2)


def _write_sks(path: Path, rows: int, rng: random.Random) -> int:
    """Write about `rows` code versions; a fifth of the codes have a closed older version."""
    vocabulary = _vocabulary(rng, max(2_000, rows // 3))
    # Zipf-like word frequencies (cumulative, so that drawing is a bisection).
    cumulative = list(accumulate(1 / (rank + 10) for rank in range(len(vocabulary))))
    registers = [r for r, _ in _REGISTERS]
    shares = [s for _, s in _REGISTERS]
    seen: set[tuple[str, str]] = set()
    written = 0
    with path.open("wb") as out:
        while written < rows:
            register = rng.choices(registers, shares)[0]
            code = _code(rng, register)
            if (register, code) in seen:
                continue
            seen.add((register, code))
            length = rng.randint(2, 8)
            text = " ".join(
                rng.choice(_COMMON)
                if rng.random() < 0.25
                else rng.choices(vocabulary, cum_weights=cumulative)[0]
                for _ in range(length)
            ).capitalize()[:120]
            start = date(rng.randint(1994, 2020), rng.choice((1, 4, 7, 10)), 1)
            versions = [(start, None, text)]
            if rng.random() < 0.2 and written + 2 <= rows:
                changed = date(rng.randint(start.year + 1, 2025), 1, 1)
                versions = [
                    (start, date(changed.year - 1, 12, 31), text),
                    (changed, None, text + " " + rng.choice(vocabulary)),
                ]
            for valid_from, valid_to, version_text in versions:
                line = (
                    f"{register:<3}{code:<20}{valid_from:%Y%m%d}{valid_from:%Y%m%d}"
                    f"{(valid_to.strftime('%Y%m%d') if valid_to else '25000101')}"
                    f"{version_text[:120]:<120}{len(code):06d}      SKS\r\n"
                )
                out.write(line.encode("latin-1"))
                written += 1
    return written
