"""The LPR3 rule engine: rules registered by official id, the context they read, `validate`.

A rule is a small function `(report, ctx) -> Iterable[str]` yielding the path of each violation;
its severity and Danish message come from the catalogue (catalogue.py). `@rule("05.14")` registers
it; an id that is not in the catalogue, or registered twice, fails at import time.

The context reads what the rules need beyond the document once per validation: the validity
spans of every SKS code in the document (one query on the terminology app) and of every SOR code
(one query on the organisation's units, the local stand-in for the national SOR register). ADR 0031.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

from klinik.reporting.lpr3.catalogue import RuleInfo, Severity, catalogue
from klinik.reporting.lpr3.document import DANISH_TIME, Report, parse_report
from klinik.reporting.lpr3.lists import LISTS

if TYPE_CHECKING:
    from klinik.core.models import Organisation

RULES_PACKAGE = "klinik.reporting.lpr3.rules"


@dataclass(frozen=True)
class Finding:
    rule: str  # the official id, e.g. "05.14"
    severity: Severity
    message: str  # the Danish text of the rule
    path: str  # where in the document, e.g. "forloebselementer[0].kontakter[2].diagnoser"

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "path": self.path,
        }


# Validity spans ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A validity period in whole days: `start` the first valid day (None: always was), `end`
    the last valid day (None: open-ended)."""

    start: date | None
    end: date | None

    def contains(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def overlaps(self, first: date, last: date) -> bool:
        return (self.start is None or self.start <= last) and (
            self.end is None or first <= self.end
        )


ALWAYS = Span(None, None)


def local_day(at: datetime | date) -> date:
    """The Danish calendar day of a time (SKS and SOR validity are given in days)."""
    if isinstance(at, datetime):
        return at.astimezone(DANISH_TIME).date()
    return at


class CodeSource(Protocol):
    def __call__(self, codes: frozenset[str]) -> Mapping[str, Sequence[Span]]: ...


class SorSource(Protocol):
    def __call__(self, codes: frozenset[str]) -> Mapping[str, Span]: ...


def terminology_codes(codes: frozenset[str]) -> dict[str, tuple[Span, ...]]:
    """SKS validity from the terminology app (the imported SKScomplete or the starter set)."""
    from klinik.terminology.selectors import code_validity

    return {
        code: tuple(Span(start, end) for start, end in spans)
        for code, spans in code_validity(codes=codes).items()
    }


def organisation_units(organisation: Organisation | None = None) -> SorSource:
    """SOR validity from Klinik's units (of one organisation, or of all): the national SOR
    register is not reachable, so an active unit with the SOR code counts as valid at any time
    and a code no active unit has as not valid (a closed unit's closing date is not known)."""

    def read(codes: frozenset[str]) -> dict[str, Span]:
        from klinik.core.selectors import units_by_sor_code

        found = units_by_sor_code(codes=codes, organisation=organisation)
        return {code: ALWAYS for code, is_active in found.items() if is_active}

    return read


def cached_codes(source: CodeSource = terminology_codes) -> CodeSource:
    """A code source that remembers what it read: for validating many reports in a row (the
    nightly re-validation), each code is read once for the whole run instead of per report."""
    known: dict[str, tuple[Span, ...]] = {}

    def read(codes: frozenset[str]) -> dict[str, tuple[Span, ...]]:
        missing = codes - known.keys()
        if missing:
            found = source(frozenset(missing))
            known.update({code: tuple(found.get(code, ())) for code in missing})
        return {code: known[code] for code in codes if known[code]}

    return read


class Context:
    """What rules read beyond the document: the time of validation, SKS codes' validity, the
    LPR3 code lists and the SOR units' validity. Built once per validation."""

    def __init__(
        self,
        *,
        now: datetime,
        codes: Mapping[str, Sequence[Span]],
        sor: Mapping[str, Span],
        code_source: CodeSource | None = None,
    ) -> None:
        self.now = now
        self._codes = {code: tuple(spans) for code, spans in codes.items()}
        self._sor = dict(sor)
        self._code_source = code_source
        self._days: dict[datetime, date] = {}  # local_day of the times the rules ask about

    @classmethod
    def for_report(
        cls,
        report: Report,
        *,
        now: datetime,
        code_source: CodeSource = terminology_codes,
        sor_source: SorSource | None = None,
    ) -> Context:
        sor_codes = report.index.sor_codes
        codes = report.index.codes
        found = code_source(codes)
        return cls(
            now=now,
            # Codes not found are remembered as unknown: not read again.
            codes={code: tuple(found.get(code, ())) for code in codes},
            sor=(sor_source or organisation_units())(sor_codes) if sor_codes else {},
            code_source=code_source,
        )

    @property
    def today(self) -> date:
        return self.day(self.now)

    def day(self, at: datetime | date) -> date:
        """local_day, remembered: the rules ask about the same times many times over."""
        if not isinstance(at, datetime):
            return at
        day = self._days.get(at)
        if day is None:
            day = self._days[at] = at.astimezone(DANISH_TIME).date()
        return day

    # SKS

    def sks(self, code: str | None) -> tuple[Span, ...]:
        """The validity spans of an SKS code; () if the code is unknown."""
        if not code:
            return ()
        spans = self._codes.get(code)
        if spans is None:
            if self._code_source is None:
                return ()
            # A code a rule derived itself (not in the document): read it alone, once.
            spans = self._codes[code] = tuple(self._code_source(frozenset({code})).get(code, ()))
        return spans

    def is_known(self, code: str | None) -> bool:
        return bool(self.sks(code))

    def is_valid(self, code: str | None, at: datetime | date) -> bool:
        day = self.day(at)
        return any(span.contains(day) for span in self.sks(code))

    def is_valid_during(
        self, code: str | None, start: datetime | date, end: datetime | date | None
    ) -> bool:
        """Valid on some day from `start` to `end` (an open period: up to today)."""
        first = self.day(start)
        last = self.day(end) if end is not None else max(first, self.today)
        return any(span.overlaps(first, last) for span in self.sks(code))

    # Code lists

    def in_list(self, list_name: str, code: str | None) -> bool:
        return code is not None and code in LISTS[list_name]

    # SOR

    def sor(self, sor_code: str | None) -> Span | None:
        """The validity span of a SOR unit; None if no such unit is known."""
        if not sor_code:
            return None
        return self._sor.get(sor_code)

    def sor_valid(self, sor_code: str | None, at: datetime | date) -> bool:
        span = self.sor(sor_code)
        return span is not None and span.contains(self.day(at))


# Registry ----------------------------------------------------------------------------------------

Check = Callable[[Report, Context], Iterable[str]]


class RuleRegistrationError(LookupError):
    pass


@dataclass(frozen=True)
class Rule:
    info: RuleInfo
    check: Check

    @property
    def id(self) -> str:
        return self.info.id


_REGISTRY: dict[str, Rule] = {}
_ORDERED: dict[str, Rule] = {}  # _REGISTRY in the catalogue's order, made when it changes


def rule(rule_id: str) -> Callable[[Check], Check]:
    """Register a rule function under its official id (which must be in the catalogue)."""
    info = catalogue().get(rule_id)
    if info is None:
        raise RuleRegistrationError(f"LPR3 rule {rule_id!r} is not in the rule catalogue")

    def register(check: Check) -> Check:
        if rule_id in _REGISTRY:
            raise RuleRegistrationError(f"LPR3 rule {rule_id!r} is registered twice")
        _REGISTRY[rule_id] = Rule(info=info, check=check)
        return check

    return register


def registry() -> Mapping[str, Rule]:
    """Every registered rule by id, in the catalogue's order."""
    if not _ORDERED or len(_ORDERED) != len(_REGISTRY):
        importlib.import_module(RULES_PACKAGE)
        order = {rule_id: index for index, rule_id in enumerate(catalogue())}
        ordered = {k: _REGISTRY[k] for k in sorted(_REGISTRY, key=order.__getitem__)}
        _ORDERED.clear()
        _ORDERED.update(ordered)
    return MappingProxyType(_ORDERED)


# Validation --------------------------------------------------------------------------------------

_INDEX = re.compile(r"\[(\d+)\]")


def _path_key(path: str) -> str:
    # "kontakter[10]" after "kontakter[9]": indexes compare as numbers.
    return _INDEX.sub(lambda m: f"[{int(m.group(1)):06d}]", path)


def validate_report(report: Report, ctx: Context) -> list[Finding]:
    """Run every registered rule on a parsed report: findings sorted by path, then rule."""
    findings = {
        Finding(rule=r.id, severity=r.info.severity, message=r.info.text, path=path)
        for r in registry().values()
        for path in r.check(report, ctx)
    }
    return sorted(findings, key=lambda f: (_path_key(f.path), f.rule))


def validate(
    document: object,
    *,
    now: datetime | None = None,
    code_source: CodeSource = terminology_codes,
    sor_source: SorSource | None = None,
) -> list[Finding]:
    """Validate one patient's report (the JSON document as parsed from JSON).

    Raises DocumentError when the document's shape is wrong (not an object, no `patient` or
    `forloebselementer`); bad values are findings."""
    if now is None:
        from django.utils import timezone

        now = timezone.now()
    report = parse_report(document)
    ctx = Context.for_report(report, now=now, code_source=code_source, sor_source=sor_source)
    return validate_report(report, ctx)
