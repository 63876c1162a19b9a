"""Rules of the group PROCEDURE.

Klinik records procedures on contacts, so the document carries them only there (no procedures
directly on a forløbselement) with code, start, end and tillægskoder. SKS codes are checked against
their validity dates at the procedure's start (and end). The rules that need what the document
does not carry (producing unit, sideangivelse, handlingsspecifikation, kontrast, indikation,
personalekategori, SDS's lists of codes that require them) are in NOT_IMPLEMENTED with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator

from klinik.reporting.lpr3.document import Kontakt, Procedure, Report
from klinik.reporting.lpr3.engine import Context, rule
from klinik.reporting.lpr3.lists import DIAGNOSEINDBERETNING
from klinik.reporting.lpr3.rules.common import ends_before_start

PROCEDURE_LISTS = ("proc.act", "proc.opr", "proc.und")


def _procedurer(report: Report) -> tuple[tuple[Kontakt, Procedure], ...]:
    return report.index.procedurer


@rule("11.01")
def procedure_ends_after_start(report: Report, ctx: Context) -> Iterator[str]:
    for _kontakt, procedure in _procedurer(report):
        if ends_before_start(procedure.start, procedure.slut):
            yield procedure.at("slut")


@rule("11101")
def procedure_code_in_lists(report: Report, ctx: Context) -> Iterator[str]:
    for _kontakt, procedure in _procedurer(report):
        for name in PROCEDURE_LISTS:
            if ctx.in_list(name, procedure.kode):
                break
        else:
            yield procedure.at("kode")


@rule("11111")
def procedure_on_diagnosis_report_contact(report: Report, ctx: Context) -> Iterator[str]:
    """On a contact of type 'diagnoseindberetning' a procedure starts when the contact starts and
    has no end."""
    for kontakt, procedure in _procedurer(report):
        if kontakt.type != DIAGNOSEINDBERETNING:
            continue
        if kontakt.start is not None and procedure.start not in (None, kontakt.start):
            yield procedure.at("start")
        if procedure.slut is not None or "slut" in procedure.malformed:
            yield procedure.at("slut")


@rule("11.22")
def procedure_starts_in_contact(report: Report, ctx: Context) -> Iterator[str]:
    for kontakt, procedure in _procedurer(report):
        if procedure.start is None or kontakt.start is None:
            continue
        if procedure.start < kontakt.start or (
            kontakt.slut is not None and procedure.start > kontakt.slut
        ):
            yield procedure.at("start")


@rule("11.23")
def procedure_ends_by_contact_end(report: Report, ctx: Context) -> Iterator[str]:
    """The procedure's end is not after the end of its (closed) contact. (The sheet has the text
    twice; 11.25 checks the other side: not before the contact's start.)"""
    for kontakt, procedure in _procedurer(report):
        if (
            procedure.slut is not None
            and kontakt.slut is not None
            and procedure.slut > kontakt.slut
        ):
            yield procedure.at("slut")


@rule("11.25")
def procedure_ends_after_contact_start(report: Report, ctx: Context) -> Iterator[str]:
    for kontakt, procedure in _procedurer(report):
        if (
            procedure.slut is not None
            and kontakt.start is not None
            and procedure.slut < kontakt.start
        ):
            yield procedure.at("slut")


@rule("11.52")
def procedure_code_valid_at_start(report: Report, ctx: Context) -> Iterator[str]:
    for _kontakt, procedure in _procedurer(report):
        if procedure.kode is None or procedure.start is None:
            continue  # no code: rule 11101; no start: no time to check at
        if not ctx.is_valid(procedure.kode, procedure.start):
            yield procedure.at("kode")


@rule("11.53")
def procedure_code_valid_at_end(report: Report, ctx: Context) -> Iterator[str]:
    for _kontakt, procedure in _procedurer(report):
        if procedure.kode is None or procedure.slut is None:
            continue
        if not ctx.is_valid(procedure.kode, procedure.slut):
            yield procedure.at("kode")


@rule("11.59")
def procedure_tillaegskode_valid_at_start(report: Report, ctx: Context) -> Iterator[str]:
    """Each tillægskode is valid at the procedure's start (a list that is not a list of codes
    holds none that is)."""
    for _kontakt, procedure in _procedurer(report):
        if "tillaegskoder" in procedure.malformed:
            yield procedure.at("tillaegskoder")
        if procedure.start is None:
            continue
        for index, tillaeg in enumerate(procedure.tillaegskoder):
            if not ctx.is_valid(tillaeg, procedure.start):
                yield procedure.at(f"tillaegskoder[{index}]")


# Not implemented ---------------------------------------------------------------------------------

_ON_ELEMENT = (
    "concerns procedures attached directly to a forløbselement; Klinik records procedures on "
    "contacts only, so the document carries none"
)
_NO_PRODUCER = (
    "needs the procedure's producing unit (producent), which the document does not carry: "
    "Klinik records a procedure at its contact, whose responsible unit rules 05.41-05.44 check"
)


def _not_carried(field: str) -> str:
    return (
        f"needs the procedure's {field}, which Klinik does not record and the document does "
        "not carry"
    )


_END_REQUIRED = (
    "needs SDS's list of procedures for which an end time is required, which we do not hold"
)

NOT_IMPLEMENTED: dict[str, str] = {
    "11102": _not_carried("sideangivelse")
    + "; and SDS's list of codes that require laterality is not held",
    "11103": _not_carried("handlingsspecifikation")
    + "; and SDS's list of codes that require it is not held",
    "11104": _not_carried("anvendt kontrast")
    + "; and SDS's list of codes that require it is not held",
    "11107": _not_carried("personalekategori")
    + "; Klinik records no coercive measures (tvangstilbageholdelse)",
    "11110": "needs the complication registration (Clavien grade) of the listed operations and "
    "SDS's list of those operations; Klinik records neither",
    "11.11": _ON_ELEMENT + "; and it needs SDS's list of procedures that require an end time",
    "11.12": _ON_ELEMENT,
    "11.13": _ON_ELEMENT,
    "11.15": _ON_ELEMENT,
    "11.31": _ON_ELEMENT,
    "11.21": _END_REQUIRED,
    "11.41": _NO_PRODUCER,
    "11.42": _NO_PRODUCER,
    "11.43": _NO_PRODUCER,
    "11.44": _NO_PRODUCER,
    "11.54": _not_carried("sideangivelse"),
    "11.56": _not_carried("handlingsspecifikation"),
    "11.57": _not_carried("indikation"),
    "11.60": _not_carried("indikation (and its tillægskoder)"),
    "11.b": _not_carried("sideangivelse"),
    "11.c": _not_carried("handlingsspecifikation"),
    "11.d": _not_carried("anvendt kontrast"),
    "11.e": _not_carried("indikation"),
    "11.f": _not_carried("personalekategori"),
}
