"""Rules of the groups KONTAKT, KONTAKTAARSAG and OPHOLDSADRESSE.

Klinik's units carry no medical specialty, so no unit counts as psychiatric: rule 5102 asks every
acute physical contact for a kontaktårsag, and 5103 (none at psychiatric units) is not implemented
(docs/lpr3-rules.md).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta

from klinik.reporting.lpr3.document import Forloebselement, Kontakt, Opholdsadresse, Report
from klinik.reporting.lpr3.engine import Context, rule
from klinik.reporting.lpr3.lists import (
    DIAGNOSEINDBERETNING,
    DOED,
    DOED_DIAGNOSE_PREFIXES,
    FYSISK_FREMMOEDE,
)
from klinik.reporting.lpr3.rules.common import (
    ends_before_start,
    invalid_at,
    sor_closed_before,
    sor_invalid_at,
    sor_unknown,
)

# KONTAKT ------------------------------------------------------------------------------------------


@rule("5102")
def acute_physical_contact_has_reason(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if (
            kontakt.type == FYSISK_FREMMOEDE
            and ctx.in_list("admin.prioritet.akut", kontakt.prioritet)
            and kontakt.aarsag is None
        ):
            yield kontakt.at("aarsag")


@rule("5104")
def planned_contact_has_no_reason(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if ctx.in_list("admin.prioritet.plan", kontakt.prioritet) and kontakt.aarsag is not None:
            yield kontakt.at("aarsag")


@rule("5105")
def physical_contact_has_stay(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if kontakt.type == FYSISK_FREMMOEDE and not kontakt.opholdsadresser:
            yield kontakt.at("opholdsadresser")


@rule("5106")
def other_contact_has_no_stay(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if kontakt.type != FYSISK_FREMMOEDE and kontakt.opholdsadresser:
            yield kontakt.at("opholdsadresser")


@rule("5107")
def diagnosis_report_contact_lasts_a_minute(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if kontakt.type != DIAGNOSEINDBERETNING:
            continue
        if kontakt.start is None or kontakt.slut != kontakt.start + timedelta(minutes=1):
            yield kontakt.at("slut")
        if not ctx.in_list("admin.prioritet.plan", kontakt.prioritet):
            yield kontakt.at("prioritet")


@rule("5108")
def death_contact_is_acute_with_death_diagnosis(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if kontakt.type != DOED:
            continue
        if not ctx.in_list("admin.prioritet.akut", kontakt.prioritet):
            yield kontakt.at("prioritet")
        if not any(
            (d.kode or "").startswith(DOED_DIAGNOSE_PREFIXES) for d in kontakt.aktionsdiagnoser
        ):
            yield kontakt.at("diagnoser")


@rule("05.11")
def contact_ends_after_start(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if ends_before_start(kontakt.start, kontakt.slut):
            yield kontakt.at("slut")


@rule("05.12")
def treatment_starts_in_contact(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        begun = kontakt.behandlingsstart
        if begun is not None and kontakt.start is not None and begun < kontakt.start:
            yield kontakt.at("behandlingsstart")


@rule("05.13")
def treatment_starts_before_contact_end(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        begun = kontakt.behandlingsstart
        if begun is not None and kontakt.slut is not None and begun >= kontakt.slut:
            yield kontakt.at("behandlingsstart")


@rule("05.14")
def closed_contact_has_one_aktionsdiagnose(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if kontakt.slut is not None and len(kontakt.aktionsdiagnoser) != 1:
            yield kontakt.at("diagnoser")


@rule("05.15")
def contact_older_than_30_days_has_aktionsdiagnose(report: Report, ctx: Context) -> Iterator[str]:
    limit = ctx.now - timedelta(days=30)
    for _element, kontakt in report.kontakter():
        started_long_ago = kontakt.start is not None and kontakt.start < limit
        if started_long_ago and len(kontakt.aktionsdiagnoser) != 1:
            yield kontakt.at("diagnoser")


# 05.21, 05.22, 05.24 share one text ("the contact's period lies in the element's period"); each
# checks one side, and 05.31 the open contact in a closed element.


@rule("05.21")
def contact_starts_in_pathway(report: Report, ctx: Context) -> Iterator[str]:
    """Not before the element's start (a contact without a readable start is reported here)."""
    for element, kontakt in report.kontakter():
        if kontakt.start is None or (element.start is not None and kontakt.start < element.start):
            yield kontakt.at("start")


@rule("05.22")
def contact_ends_in_pathway(report: Report, ctx: Context) -> Iterator[str]:
    for element, kontakt in report.kontakter():
        if kontakt.slut and element.slut and kontakt.slut > element.slut:
            yield kontakt.at("slut")


@rule("05.24")
def contact_starts_before_pathway_end(report: Report, ctx: Context) -> Iterator[str]:
    for element, kontakt in report.kontakter():
        if kontakt.start and element.slut and kontakt.start > element.slut:
            yield kontakt.at("start")


@rule("05.31")
def closed_pathway_closes_contacts(report: Report, ctx: Context) -> Iterator[str]:
    for element, kontakt in report.kontakter():
        if element.slut is not None and kontakt.slut is None:
            yield kontakt.at("slut")


@rule("05.41")
def contact_unit_known(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if sor_unknown(ctx, kontakt.ansvarlig):
            yield kontakt.at("ansvarlig")


@rule("05.42")
def contact_unit_valid_at_start(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if sor_invalid_at(ctx, kontakt.ansvarlig, kontakt.start):
            yield kontakt.at("ansvarlig")


@rule("05.43")
def contact_closed_by_unit_closing(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if sor_closed_before(ctx, kontakt.ansvarlig, kontakt.slut):
            yield kontakt.at("slut")


@rule("05.44")
def contact_unit_valid_at_end(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if sor_invalid_at(ctx, kontakt.ansvarlig, kontakt.slut):
            yield kontakt.at("ansvarlig")


@rule("05.51")
def contact_type_valid_at_start(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if invalid_at(ctx, kontakt.type, kontakt.start):
            yield kontakt.at("type")


@rule("05.52")
def contact_ends_before_its_type_closes(report: Report, ctx: Context) -> Iterator[str]:
    """Checked for a known type code (an unknown one is 05.51's and 05.a's)."""
    for _element, kontakt in report.kontakter():
        if kontakt.type is None or kontakt.slut is None or not ctx.sks(kontakt.type):
            continue
        ends = [span.end for span in ctx.sks(kontakt.type)]
        if None not in ends and ctx.day(kontakt.slut) > max(e for e in ends if e):
            yield kontakt.at("slut")


@rule("05.53")
def contact_priority_valid_at_start(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if invalid_at(ctx, kontakt.prioritet, kontakt.start):
            yield kontakt.at("prioritet")


@rule("05.a")
def contact_type_in_list(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if not ctx.in_list("admin.konttype", kontakt.type):
            yield kontakt.at("type")


@rule("05.b")
def contact_priority_in_list(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if not ctx.in_list("admin.prioritet", kontakt.prioritet):
            yield kontakt.at("prioritet")


# KONTAKTAARSAG ------------------------------------------------------------------------------------


@rule("07.51")
def contact_reason_valid_at_start(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if invalid_at(ctx, kontakt.aarsag, kontakt.start):
            yield kontakt.at("aarsag")


@rule("07.a")
def contact_reason_in_list(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if kontakt.aarsag is not None and not ctx.in_list("admin.kontaarsag", kontakt.aarsag):
            yield kontakt.at("aarsag")


# OPHOLDSADRESSE -----------------------------------------------------------------------------------


def _stays(report: Report) -> tuple[tuple[Forloebselement, Kontakt, Opholdsadresse], ...]:
    return report.index.opholdsadresser


@rule("09.01")
def stay_ends_after_start(report: Report, ctx: Context) -> Iterator[str]:
    for _element, _kontakt, ophold in _stays(report):
        if ends_before_start(ophold.start, ophold.slut):
            yield ophold.at("slut")


@rule("09.02")
def stays_follow_without_gap_or_overlap(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        timed = sorted(
            (o for o in kontakt.opholdsadresser if o.start is not None),
            key=lambda o: o.start,  # type: ignore[arg-type, return-value]
        )
        for previous, following in itertools.pairwise(timed):
            if previous.slut != following.start:
                yield following.at("start")


# 09.12, 09.13, 09.15 share one text ("the stay lies in the contact's period"): one side each.


@rule("09.12")
def stay_starts_in_contact(report: Report, ctx: Context) -> Iterator[str]:
    """Not before the contact's start (a stay without a readable start is reported here)."""
    for _element, kontakt, ophold in _stays(report):
        if ophold.start is None or (kontakt.start is not None and ophold.start < kontakt.start):
            yield ophold.at("start")


@rule("09.13")
def stay_ends_in_contact(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt, ophold in _stays(report):
        if kontakt.slut is None:
            continue
        if ophold.slut is None or ophold.slut > kontakt.slut:
            yield ophold.at("slut")


@rule("09.15")
def stay_starts_before_contact_end(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt, ophold in _stays(report):
        if ophold.start and kontakt.slut and ophold.start > kontakt.slut:
            yield ophold.at("start")


@rule("09.16a")
def first_stay_starts_with_contact(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        starts = [o for o in kontakt.opholdsadresser if o.start is not None]
        if kontakt.slut is None or not starts or kontakt.start is None:
            continue
        first = min(starts, key=lambda o: o.start)  # type: ignore[arg-type, return-value]
        if first.start != kontakt.start:
            yield first.at("start")


@rule("09.16b")
def last_stay_ends_with_contact(report: Report, ctx: Context) -> Iterator[str]:
    """A last stay without an end is reported here too."""
    for _element, kontakt in report.kontakter():
        if kontakt.slut is None or not kontakt.opholdsadresser:
            continue
        # Open stays last; among them the latest start, a stay without any time first.
        last = max(
            kontakt.opholdsadresser,
            key=lambda o: (o.slut is None, (o.slut or o.start) is not None, o.slut or o.start),
        )
        if last.slut != kontakt.slut:
            yield last.at("slut")


@rule("09.41")
def stay_unit_known(report: Report, ctx: Context) -> Iterator[str]:
    for _element, _kontakt, ophold in _stays(report):
        if ophold.enhed is not None and sor_unknown(ctx, ophold.enhed):
            yield ophold.at("enhed")


@rule("09.42")
def stay_unit_valid_at_start(report: Report, ctx: Context) -> Iterator[str]:
    for _element, _kontakt, ophold in _stays(report):
        if sor_invalid_at(ctx, ophold.enhed, ophold.start):
            yield ophold.at("enhed")


@rule("09.43")
def stay_closed_by_unit_closing(report: Report, ctx: Context) -> Iterator[str]:
    for _element, _kontakt, ophold in _stays(report):
        if sor_closed_before(ctx, ophold.enhed, ophold.slut):
            yield ophold.at("slut")


@rule("09.44")
def stay_unit_valid_at_end(report: Report, ctx: Context) -> Iterator[str]:
    for _element, _kontakt, ophold in _stays(report):
        if sor_invalid_at(ctx, ophold.enhed, ophold.slut):
            yield ophold.at("enhed")


@rule("09.51")
def absence_code_valid_at_start(report: Report, ctx: Context) -> Iterator[str]:
    for _element, _kontakt, ophold in _stays(report):
        if invalid_at(ctx, ophold.fravaer, ophold.start):
            yield ophold.at("fravaer")


@rule("09.61")
def stay_is_unit_or_absence(report: Report, ctx: Context) -> Iterator[str]:
    for _element, _kontakt, ophold in _stays(report):
        if (ophold.enhed is None) == (ophold.fravaer is None):
            yield ophold.at("enhed")


@rule("09.a")
def absence_code_in_list(report: Report, ctx: Context) -> Iterator[str]:
    for _element, _kontakt, ophold in _stays(report):
        if ophold.fravaer is not None and not ctx.in_list("admin.fravaer", ophold.fravaer):
            yield ophold.at("fravaer")
