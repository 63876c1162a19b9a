"""Rules of the groups FORLOEBSELEMENT, FORLOEBSMARKOER and HENVISNING."""

from __future__ import annotations

from collections.abc import Iterator

from klinik.reporting.lpr3.document import Henvisning, Report
from klinik.reporting.lpr3.engine import Context, rule
from klinik.reporting.lpr3.rules.common import (
    ends_before_start,
    invalid_at,
    sor_closed_before,
    sor_invalid_at,
    sor_unknown,
)

# FORLOEBSELEMENT ----------------------------------------------------------------------------------


@rule("02.01")
def pathway_ends_after_start(report: Report, ctx: Context) -> Iterator[str]:
    for element in report.forloebselementer:
        if ends_before_start(element.start, element.slut):
            yield element.at("slut")


@rule("02.02")
def closed_pathway_has_completion(report: Report, ctx: Context) -> Iterator[str]:
    for element in report.forloebselementer:
        if element.slut is not None and element.afslutningsmaade is None:
            yield element.at("afslutningsmaade")


@rule("02.03")
def referring_pathway_starts_later(report: Report, ctx: Context) -> Iterator[str]:
    """Checked when the referred element is in the same document (found by its id)."""
    starts = {e.id: e.start for e in report.forloebselementer if e.id is not None}
    for element in report.forloebselementer:
        reference = element.reference
        if reference is None or reference.forloebselement not in starts:
            continue
        referred = starts[reference.forloebselement]
        if element.start is not None and referred is not None and element.start <= referred:
            yield element.at("start")


@rule("02.41")
def pathway_unit_known(report: Report, ctx: Context) -> Iterator[str]:
    """The responsible unit must be a SOR unit (valid at the start): one that is not known
    at all (or none given) is reported here, one known but closed at the start by 02.42."""
    for element in report.forloebselementer:
        if sor_unknown(ctx, element.ansvarlig):
            yield element.at("ansvarlig")


@rule("02.42")
def pathway_unit_valid_at_start(report: Report, ctx: Context) -> Iterator[str]:
    for element in report.forloebselementer:
        if sor_invalid_at(ctx, element.ansvarlig, element.start):
            yield element.at("ansvarlig")


@rule("02.43")
def pathway_closed_by_unit_closing(report: Report, ctx: Context) -> Iterator[str]:
    for element in report.forloebselementer:
        if sor_closed_before(ctx, element.ansvarlig, element.slut):
            yield element.at("slut")


@rule("02.44")
def pathway_unit_valid_at_end(report: Report, ctx: Context) -> Iterator[str]:
    for element in report.forloebselementer:
        if sor_invalid_at(ctx, element.ansvarlig, element.slut):
            yield element.at("ansvarlig")


@rule("02.51")
def pathway_label_valid_in_period(report: Report, ctx: Context) -> Iterator[str]:
    for element in report.forloebselementer:
        if element.label is None or element.start is None:
            continue
        if not ctx.is_valid_during(element.label, element.start, element.slut):
            yield element.at("label")


@rule("02.55")
def pathway_completion_valid_at_end(report: Report, ctx: Context) -> Iterator[str]:
    for element in report.forloebselementer:
        code = element.afslutningsmaade
        if invalid_at(ctx, code, element.slut):
            yield element.at("afslutningsmaade")


@rule("02.a")
def pathway_label_in_list(report: Report, ctx: Context) -> Iterator[str]:
    for element in report.forloebselementer:
        if not ctx.in_list("forloeb.label", element.label):
            yield element.at("label")


@rule("02.b")
def pathway_completion_in_list(report: Report, ctx: Context) -> Iterator[str]:
    for element in report.forloebselementer:
        code = element.afslutningsmaade
        if code is not None and not ctx.in_list("admin.afslutmaade", code):
            yield element.at("afslutningsmaade")


# FORLOEBSMARKOER ----------------------------------------------------------------------------------


@rule("04.01")
def marker_not_before_pathway(report: Report, ctx: Context) -> Iterator[str]:
    """The marker's time lies in the element's period: not before its start (a marker
    without a readable time is reported here)."""
    for element in report.forloebselementer:
        for marker in element.markoerer:
            if marker.tidspunkt is None or (
                element.start is not None and marker.tidspunkt < element.start
            ):
                yield marker.at("tidspunkt")


@rule("04.02")
def marker_not_after_pathway(report: Report, ctx: Context) -> Iterator[str]:
    """…and not after its end."""
    for element in report.forloebselementer:
        for marker in element.markoerer:
            if marker.tidspunkt and element.slut and marker.tidspunkt > element.slut:
                yield marker.at("tidspunkt")


@rule("04.51")
def marker_code_valid_when_used(report: Report, ctx: Context) -> Iterator[str]:
    for element in report.forloebselementer:
        for marker in element.markoerer:
            if marker.kode is None or marker.tidspunkt is None:
                continue
            if not ctx.is_valid(marker.kode, marker.tidspunkt):
                yield marker.at("kode")


@rule("04.a")
def marker_code_in_list(report: Report, ctx: Context) -> Iterator[str]:
    for element in report.forloebselementer:
        for marker in element.markoerer:
            if not ctx.in_list("forloeb.markoer", marker.kode):
                yield marker.at("kode")


# HENVISNING ---------------------------------------------------------------------------------------


def _henvisninger(report: Report) -> tuple[Henvisning, ...]:
    return report.index.henvisninger


@rule("06.01")
def pathway_referral_not_after_start(report: Report, ctx: Context) -> Iterator[str]:
    """A referral without a readable time is reported here (or by 06.02 on a contact)."""
    for element in report.forloebselementer:
        henvisning = element.henvisning
        if henvisning is None:
            continue
        if henvisning.tidspunkt is None or (
            element.start is not None and henvisning.tidspunkt > element.start
        ):
            yield henvisning.at("tidspunkt")


@rule("06.02")
def contact_referral_before_start(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        henvisning = kontakt.henvisning
        if henvisning is None:
            continue
        if henvisning.tidspunkt is None or (
            kontakt.start is not None and henvisning.tidspunkt >= kontakt.start
        ):
            yield henvisning.at("tidspunkt")


def _invalid_at_referral(report: Report, ctx: Context, field: str) -> Iterator[str]:
    for henvisning in _henvisninger(report):
        code = getattr(henvisning, field)
        if invalid_at(ctx, code, henvisning.tidspunkt):
            yield henvisning.at(field)


@rule("06.51")
def referral_reason_valid(report: Report, ctx: Context) -> Iterator[str]:
    return _invalid_at_referral(report, ctx, "aarsag")


@rule("06.53")
def referral_route_valid(report: Report, ctx: Context) -> Iterator[str]:
    return _invalid_at_referral(report, ctx, "maade")


@rule("06.59")
def referral_reason_additions_valid(report: Report, ctx: Context) -> Iterator[str]:
    for henvisning in _henvisninger(report):
        if henvisning.tidspunkt is None:
            continue
        for code in henvisning.aarsag_tillaeg:
            if not ctx.is_valid(code, henvisning.tidspunkt):
                yield henvisning.at("aarsag_tillaeg")
                break


REASON_LISTS = ("diag", "proc.act", "proc.opr", "proc.und")


@rule("06.a")
def referral_reason_in_lists(report: Report, ctx: Context) -> Iterator[str]:
    for henvisning in _henvisninger(report):
        if not any(ctx.in_list(name, henvisning.aarsag) for name in REASON_LISTS):
            yield henvisning.at("aarsag")


@rule("06.b")
def referral_route_in_list(report: Report, ctx: Context) -> Iterator[str]:
    for henvisning in _henvisninger(report):
        if not ctx.in_list("admin.henvmaade", henvisning.maade):
            yield henvisning.at("maade")


@rule("06.c")
def referral_free_choice_in_list(report: Report, ctx: Context) -> Iterator[str]:
    for henvisning in _henvisninger(report):
        if not ctx.in_list("admin.fritvalg", henvisning.fritvalg):
            yield henvisning.at("fritvalg")
