"""Rules of the groups NONE, PATIENT and REFERENCE."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from datetime import date

from klinik.patients.identifiers import IdentifierError, parse_identifier
from klinik.reporting.lpr3.document import Henvisning, Part, Report
from klinik.reporting.lpr3.engine import Context, rule

TIME_FIELDS = frozenset(
    {"indberetningstidspunkt", "tidspunkt", "start", "slut", "behandlingsstart"}
)


# NONE ---------------------------------------------------------------------------------------------


@rule("00.01")
def times_lie_before_the_report(report: Report, ctx: Context) -> Iterator[str]:
    """Every time ≤ the report's timestamp ≤ now. A time that cannot be read (or a report
    without a timestamp) cannot be shown to lie before it: reported here at its path."""
    stamp = report.indberetningstidspunkt
    if stamp is None or stamp > ctx.now:
        yield report.at("indberetningstidspunkt")
    for part in report.parts():
        if part.malformed:
            for name in sorted(part.malformed & TIME_FIELDS):
                if name != "indberetningstidspunkt":
                    yield part.at(name)
    if stamp is None:
        return
    for part in report.parts():
        for name in _time_fields(part):
            value = getattr(part, name)
            if value is not None and value > stamp:
                yield part.at(name)


_TIME_FIELDS_OF: dict[type[Part], tuple[str, ...]] = {}


def _time_fields(part: Part) -> tuple[str, ...]:
    names = _TIME_FIELDS_OF.get(type(part))
    if names is None:
        names = tuple(f.name for f in fields(part) if f.name in TIME_FIELDS)
        _TIME_FIELDS_OF[type(part)] = names
    return names


# PATIENT ------------------------------------------------------------------------------------------


def birth_date(report: Report, ctx: Context) -> date | None:
    """The patient's birth date from the CPR (or replacement) number; None if it gives none."""
    try:
        return parse_identifier(report.patient.cpr or "", today=ctx.today).birth_date
    except IdentifierError:
        return None


@rule("01.01")
def pathway_starts_after_birth(report: Report, ctx: Context) -> Iterator[str]:
    """A forløbselement starts on or after the birth date. A CPR number that gives no birth
    date, or an element without a readable start, cannot be checked: reported here."""
    born = birth_date(report, ctx)
    if born is None:
        yield report.patient.at("cpr")
    for element in report.forloebselementer:
        if element.start is None or (born is not None and ctx.day(element.start) < born):
            yield element.at("start")


@rule("01.11")
def referral_after_birth(report: Report, ctx: Context) -> Iterator[str]:
    born = birth_date(report, ctx)
    if born is None:
        return
    for henvisning in _henvisninger(report):
        if henvisning.tidspunkt is not None and ctx.day(henvisning.tidspunkt) < born:
            yield henvisning.at("tidspunkt")


def _henvisninger(report: Report) -> tuple[Henvisning, ...]:
    return report.index.henvisninger


# REFERENCE ----------------------------------------------------------------------------------------


@rule("3101")
def same_patient_reference_names_this_patient(report: Report, ctx: Context) -> Iterator[str]:
    """A reference of a same-patient type may not name another patient's CPR."""
    for element in report.forloebselementer:
        reference = element.reference
        if reference is None or not ctx.in_list("forloeb.reftype.sammepatient", reference.type):
            continue
        if reference.cpr is not None and _digits(reference.cpr) != _digits(report.patient.cpr):
            yield reference.at("cpr")


def _digits(cpr: str | None) -> str:
    return (cpr or "").replace("-", "").strip().upper()


@rule("03.51")
def reference_type_valid_at_start(report: Report, ctx: Context) -> Iterator[str]:
    for element in report.forloebselementer:
        reference = element.reference
        if reference is None or reference.type is None or element.start is None:
            continue
        if ctx.in_list("forloeb.reftype", reference.type) and not ctx.is_valid(
            reference.type, element.start
        ):
            yield reference.at("type")


@rule("03.a")
def reference_type_in_list(report: Report, ctx: Context) -> Iterator[str]:
    for element in report.forloebselementer:
        reference = element.reference
        if reference is not None and not ctx.in_list("forloeb.reftype", reference.type):
            yield reference.at("type")
