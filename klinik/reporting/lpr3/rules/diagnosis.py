"""Rules of the group DIAGNOSE.

A diagnosis in the document is an aktionsdiagnose exactly when its `art` is "A" (the CDA's
separate Main and Minor Condition templates have no counterpart in the JSON document); every
other diagnosis counts as a bidiagnose. SKS codes are checked against their validity dates over
the contact's period (an open contact's period runs to today).

The rules that need what the document does not carry (sideangivelse, metastasis and
local-recurrence codes, SDS's list of diagnoses that need laterality) are in NOT_IMPLEMENTED with
the reason.
"""

from __future__ import annotations

from collections.abc import Iterator

from klinik.reporting.lpr3.document import Diagnose, Kontakt, Report
from klinik.reporting.lpr3.engine import Context, Span, rule
from klinik.reporting.lpr3.lists import DIAGNOSEINDBERETNING, DOED, VIRTUEL_KONTAKT

# The kontakttyper at which nobody meets the patient. Rules 12.03.103/105 allow "fysisk
# fremmøde" and "udekontakt"; the udekontakt code is not among the codes we hold, so they refuse
# the other three types of the LPR3 model instead (shared domain README §3.2).
_NOT_MET = frozenset({VIRTUEL_KONTAKT, DIAGNOSEINDBERETNING, DOED})


def _diagnoser(report: Report) -> tuple[tuple[Kontakt, Diagnose], ...]:
    return report.index.diagnoser


def _aktionsdiagnoser_in(
    report: Report, ctx: Context, list_name: str
) -> Iterator[tuple[Kontakt, Diagnose]]:
    for kontakt, diagnose in _diagnoser(report):
        if diagnose.is_aktionsdiagnose and ctx.in_list(list_name, diagnose.kode):
            yield kontakt, diagnose


# Art and code lists ------------------------------------------------------------------------------


@rule("12.a-2")
def diagnosis_art_in_list(report: Report, ctx: Context) -> Iterator[str]:
    """The art is A or B (admin.diagart). A diagnosis whose art is not "A" is no aktionsdiagnose,
    so an art outside the list is a bidiagnose's (12.a-1 cannot be broken)."""
    for _kontakt, diagnose in _diagnoser(report):
        if not ctx.in_list("admin.diagart", diagnose.art):
            yield diagnose.at("art")


@rule("12.101a")
def aktionsdiagnose_code_in_diag(report: Report, ctx: Context) -> Iterator[str]:
    for _kontakt, diagnose in _diagnoser(report):
        if diagnose.is_aktionsdiagnose and not ctx.in_list("diag", diagnose.kode):
            yield diagnose.at("kode")


@rule("12.101b")
def bidiagnose_code_in_diag(report: Report, ctx: Context) -> Iterator[str]:
    for _kontakt, diagnose in _diagnoser(report):
        if not diagnose.is_aktionsdiagnose and not ctx.in_list("diag", diagnose.kode):
            yield diagnose.at("kode")


# Validity dates ----------------------------------------------------------------------------------


@rule("12.52")
def diagnosis_code_valid_in_contact(report: Report, ctx: Context) -> Iterator[str]:
    for kontakt, diagnose in _diagnoser(report):
        if diagnose.kode is None or kontakt.start is None:
            continue  # no code: 12.101a/b; no start: the contact's own rules
        if not ctx.is_valid_during(diagnose.kode, kontakt.start, kontakt.slut):
            yield diagnose.at("kode")


@rule("12.59")
def diagnosis_tillaegskode_valid_in_contact(report: Report, ctx: Context) -> Iterator[str]:
    """Each tillægskode is valid on some day of the contact's period (a list that is not a list
    of codes holds none that is)."""
    for kontakt, diagnose in _diagnoser(report):
        if "tillaegskoder" in diagnose.malformed:
            yield diagnose.at("tillaegskoder")
        if kontakt.start is None:
            continue
        for index, tillaeg in enumerate(diagnose.tillaegskoder):
            if not ctx.is_valid_during(tillaeg, kontakt.start, kontakt.slut):
                yield diagnose.at(f"tillaegskoder[{index}]")


@rule("12.59-1")
def diagnosis_tillaegskode_valid_with_primary(report: Report, ctx: Context) -> Iterator[str]:
    """Each tillægskode is valid on some day of the contact's period on which the primary code is
    valid too. A tillægskode not valid in the contact at all is 12.59's; an unknown primary code
    is 12.52's."""
    for kontakt, diagnose in _diagnoser(report):
        if not diagnose.tillaegskoder or kontakt.start is None or not ctx.is_known(diagnose.kode):
            continue
        first = ctx.day(kontakt.start)
        last = ctx.day(kontakt.slut) if kontakt.slut is not None else max(first, ctx.today)
        contact = Span(first, last)
        primary = [_meet(contact, span) for span in ctx.sks(diagnose.kode)]
        for index, tillaeg in enumerate(diagnose.tillaegskoder):
            if not ctx.is_valid_during(tillaeg, kontakt.start, kontakt.slut):
                continue
            if not any(
                _meet(period, span) is not None
                for period in primary
                if period is not None
                for span in ctx.sks(tillaeg)
            ):
                yield diagnose.at(f"tillaegskoder[{index}]")


def _meet(a: Span, b: Span) -> Span | None:
    """The days two validity spans share, or None if they share none."""
    starts = [d for d in (a.start, b.start) if d is not None]
    ends = [d for d in (a.end, b.end) if d is not None]
    start = max(starts) if starts else None
    end = min(ends) if ends else None
    if start is not None and end is not None and start > end:
        return None
    return Span(start, end)


# Births and deaths -------------------------------------------------------------------------------


def _birth_contact_wrong(kontakt: Kontakt, ctx: Context) -> bool:
    return kontakt.type in _NOT_MET or not ctx.in_list("admin.prioritet.akut", kontakt.prioritet)


@rule("12.03.103")
def birth_aktionsdiagnose_on_acute_meeting(report: Report, ctx: Context) -> Iterator[str]:
    """A mother's birth diagnosis as aktionsdiagnose: the contact is a meeting (fysisk fremmøde
    or udekontakt) with priority akut."""
    for kontakt, diagnose in _aktionsdiagnoser_in(report, ctx, "diag.foedsel.mor"):
        if _birth_contact_wrong(kontakt, ctx):
            yield diagnose.path


@rule("12.03.105")
def liveborn_aktionsdiagnose_on_acute_meeting(report: Report, ctx: Context) -> Iterator[str]:
    """A live-born child's diagnosis as aktionsdiagnose: the same as for the mother."""
    for kontakt, diagnose in _aktionsdiagnoser_in(report, ctx, "diag.foedsel.barn"):
        if _birth_contact_wrong(kontakt, ctx):
            yield diagnose.path


@rule("12.03.106")
def stillborn_aktionsdiagnose_on_death_contact(report: Report, ctx: Context) -> Iterator[str]:
    for kontakt, diagnose in _aktionsdiagnoser_in(report, ctx, "diag.doedfoedt"):
        if kontakt.type != DOED:
            yield diagnose.path


@rule("12.03.109")
def death_aktionsdiagnose_on_death_contact(report: Report, ctx: Context) -> Iterator[str]:
    for kontakt, diagnose in _aktionsdiagnoser_in(report, ctx, "diag.doed"):
        if kontakt.type != DOED:
            yield diagnose.path


@rule("12104")
def child_birth_diagnosis_is_aktionsdiagnose(report: Report, ctx: Context) -> Iterator[str]:
    for _kontakt, diagnose in _diagnoser(report):
        if ctx.in_list("diag.foedsel.barn", diagnose.kode) and not diagnose.is_aktionsdiagnose:
            yield diagnose.at("art")


@rule("12105")
def mother_birth_diagnosis_is_aktionsdiagnose(report: Report, ctx: Context) -> Iterator[str]:
    for _kontakt, diagnose in _diagnoser(report):
        if ctx.in_list("diag.foedsel.mor", diagnose.kode) and not diagnose.is_aktionsdiagnose:
            yield diagnose.at("art")


# Psychiatry --------------------------------------------------------------------------------------


@rule("12.107a")
def dx_dy_diagnosis_is_bidiagnose(report: Report, ctx: Context) -> Iterator[str]:
    """A DX or DY code (external causes: self-harm, assault, …) is never the aktionsdiagnose.
    (12.107b, the same text, checks the unit's psychiatric specialty.)"""
    for _kontakt, diagnose in _diagnoser(report):
        if diagnose.is_aktionsdiagnose and ctx.in_list("diag.dxdy", diagnose.kode):
            yield diagnose.at("art")


# Cancer ------------------------------------------------------------------------------------------


def _metastasis_without_primary(
    report: Report, ctx: Context, *, aktionsdiagnose: bool
) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        metastases = [
            d
            for d in kontakt.diagnoser
            if d.is_aktionsdiagnose == aktionsdiagnose
            and ctx.in_list("diag.kraeft.metastase", d.kode)
        ]
        if metastases and not any(
            ctx.in_list("diag.kraeft.primaer", d.kode) for d in kontakt.diagnoser
        ):
            yield from (diagnose.path for diagnose in metastases)


@rule("12109")
def metastasis_aktionsdiagnose_has_primary(report: Report, ctx: Context) -> Iterator[str]:
    """A metastasis diagnosis (DC77-DC79) as aktionsdiagnose: the contact also carries a primary
    cancer diagnosis. (The sheet has the text twice; 12.109a is the same for bidiagnoser.)"""
    return _metastasis_without_primary(report, ctx, aktionsdiagnose=True)


@rule("12.109a")
def metastasis_bidiagnose_has_primary(report: Report, ctx: Context) -> Iterator[str]:
    return _metastasis_without_primary(report, ctx, aktionsdiagnose=False)


# Not implemented ---------------------------------------------------------------------------------

_NO_LATERALITY = (
    "needs the diagnosis's sideangivelse, which Klinik does not record and the document does not "
    "carry"
)
_NO_METASTASIS = (
    "needs the diagnosis's metastasis code (list diag.metastase), which Klinik does not record "
    "and the document does not carry; the list's codes are not held (value set "
    "1.2.208.176.2.4.13 lists none)"
)
_NO_RECURRENCE = (
    "needs the diagnosis's local-recurrence code (list diag.lokalrecidiv), which Klinik does not "
    "record and the document does not carry; the list's codes are not held (value set "
    "1.2.208.176.2.4.14 lists none)"
)
_REPORTABLE_CANCER = (
    "needs SDS's list of reportable (anmeldelsespligtige) primary cancer diagnoses, which we do "
    "not hold, and metastasis / local-recurrence information, which Klinik does not record: "
    "every cancer diagnosis would be reported"
)

NOT_IMPLEMENTED: dict[str, str] = {
    "12.03.101": "cannot be broken in the JSON document: a diagnosis is an aktionsdiagnose "
    "exactly when its art is A (the CDA's separate Main Condition template has no counterpart)",
    "12.04.101": "cannot be broken in the JSON document: every diagnosis whose art is not A "
    "counts as a bidiagnose; an art other than A or B is reported by 12.a-2",
    "12.a-1": "cannot be broken in the JSON document: an aktionsdiagnose is a diagnosis whose "
    "art is A, which is in admin.diagart; a wrong art is reported by 12.a-2",
    "12.51": "the art is sent as the letter A or B, not as a dated SKS code, so it has no "
    "validity dates; its value is checked by 12.a-2",
    "12.03.108": "needs SDS's lists of the child's diagnoses 'levendefødt barn efter provokeret "
    "abortindgreb' and of the abortion diagnoses; the likely ICD-10 codes (P96.4 'Abortindgreb "
    "med følger for nyfødt', O04 'Provokeret abort') could not be confirmed as those lists",
    "12.107b": "needs the responsible unit's specialty (psychiatric or not), which Klinik's "
    "units do not carry (as for rule 5103); 12.107a checks the art of DX and DY diagnoses",
    "12102": _NO_LATERALITY + "; and SDS's list of diagnoses that require it is not held",
    "12.54": _NO_LATERALITY,
    "12.c-1": _NO_LATERALITY,
    "12.c-2": _NO_LATERALITY,
    "12110": _NO_RECURRENCE,
    "12.110a": _NO_RECURRENCE,
    "12111": _REPORTABLE_CANCER,
    "12.111a": _REPORTABLE_CANCER,
    "12112": _REPORTABLE_CANCER,
    "12.112a": _REPORTABLE_CANCER,
    "13.01": _NO_METASTASIS,
    "13101": _NO_METASTASIS,
    "13.102a": _NO_METASTASIS,
    "13.102b": _NO_METASTASIS,
    "14.01": _NO_RECURRENCE,
    "14101": _NO_RECURRENCE,
    "14.102a": _NO_RECURRENCE,
    "14.102b": _NO_RECURRENCE,
}
