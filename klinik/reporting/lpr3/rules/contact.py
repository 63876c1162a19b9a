"""Rules of the groups KONTAKT and OPHOLDSADRESSE."""

from __future__ import annotations

from collections.abc import Iterator

from klinik.reporting.lpr3.document import Report
from klinik.reporting.lpr3.engine import Context, rule


@rule("05.14")
def closed_contact_has_one_aktionsdiagnose(report: Report, ctx: Context) -> Iterator[str]:
    for _element, kontakt in report.kontakter():
        if kontakt.slut is not None and len(kontakt.aktionsdiagnoser) != 1:
            yield kontakt.at("diagnoser")
