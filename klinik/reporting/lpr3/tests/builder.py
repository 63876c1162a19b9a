"""A small LPR3 document builder for the rule tests: one valid report, changed by path.

`document()` is a report with one closed forløbselement holding one closed contact that breaks
no rule; `change(doc, "forloebselementer[0].kontakter[0].slut", None)` sets (or, with DELETE,
removes) one value; `check(doc)` validates it against the in-memory SKS codes and SOR units
below (no database), at NOW.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from klinik.reporting.lpr3.engine import Finding, Span, validate

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
SINCE = date(2000, 1, 1)

# The SKS codes the tests know, each valid from 2000 on unless given otherwise.
CODES: dict[str, tuple[Span, ...]] = {
    code: (Span(SINCE, None),)
    for code in (
        "ALAL01",  # forløbslabel Kræftsygdomme
        "ALAL02",
        "ALAC01",  # afslutningsmåde
        "ALAC70",
        "ALAA01",  # referencetype
        "ALDA00",  # henvisningsmåde
        "ALDB00",  # fritvalg
        "ALCA00",  # fysisk fremmøde
        "ALCA03",  # virtuel
        "ALCA10",  # diagnoseindberetning
        "ALCA20",  # død
        "ATA1",
        "ATA3",
        "ALCC01",  # kontaktårsag
        "ALCF01",  # fravær: orlov
        "AFV01A1",
        "DJ189",
        "DR99",
        "DC509",
        "UXCA00",
        "KJFG20",
    )
}
# Closed codes: valid 2000 - 2023.
CODES["ALAL99"] = (Span(SINCE, date(2023, 12, 31)),)
CODES["ALCA99"] = (Span(SINCE, date(2023, 12, 31)),)
CODES["ATA9"] = (Span(SINCE, date(2023, 12, 31)),)
CODES["AFV01A9"] = (Span(SINCE, date(2023, 12, 31)),)
CODES["ALDA99"] = (Span(SINCE, date(2023, 12, 31)),)
CODES["ALAC99"] = (Span(SINCE, date(2023, 12, 31)),)
CODES["ALAA99"] = (Span(SINCE, date(2023, 12, 31)),)
CODES["ALCF99"] = (Span(SINCE, date(2023, 12, 31)),)
CODES["DJ180"] = (Span(SINCE, date(2023, 12, 31)),)
CODES["DZ000"] = (Span(SINCE, date(2023, 12, 31)),)

# The SOR units the tests know: SOR1 and SOR2 valid always, SOROLD closed end of 2023.
SOR: dict[str, Span] = {
    "SOR1": Span(None, None),
    "SOR2": Span(None, None),
    "SOROLD": Span(None, date(2023, 12, 31)),
}


def code_source(codes: frozenset[str]) -> dict[str, Sequence[Span]]:
    return {code: CODES[code] for code in codes if code in CODES}


def sor_source(codes: frozenset[str]) -> dict[str, Span]:
    return {code: SOR[code] for code in codes if code in SOR}


def document() -> dict[str, Any]:
    return {
        "indberetningstidspunkt": "2024-06-01T10:00:00+02:00",
        "patient": {"cpr": "0101801234"},
        "forloebselementer": [
            {
                "id": "f1",
                "label": "ALAL01",
                "ansvarlig": "SOR1",
                "start": "2024-03-01T08:00:00+01:00",
                "slut": "2024-04-02T12:00:00+02:00",
                "afslutningsmaade": "ALAC01",
                "henvisning": {
                    "tidspunkt": "2024-02-20T09:00:00+01:00",
                    "maade": "ALDA00",
                    "aarsag": "DJ189",
                    "fritvalg": "ALDB00",
                    "instans": "SOR2",
                },
                "markoerer": [{"kode": "AFV01A1", "tidspunkt": "2024-03-01T08:00:00+01:00"}],
                "kontakter": [kontakt()],
            }
        ],
    }


def kontakt(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "k1",
        "type": "ALCA00",
        "prioritet": "ATA3",
        "ansvarlig": "SOR1",
        "start": "2024-03-05T09:00:00+01:00",
        "slut": "2024-03-05T10:00:00+01:00",
        "aarsag": None,
        "opholdsadresser": [
            {
                "enhed": "SOR1",
                "start": "2024-03-05T09:00:00+01:00",
                "slut": "2024-03-05T10:00:00+01:00",
            }
        ],
        "diagnoser": [{"kode": "DJ189", "art": "A"}],
        "procedurer": [
            {
                "kode": "UXCA00",
                "start": "2024-03-05T09:30:00+01:00",
                "slut": "2024-03-05T09:45:00+01:00",
            }
        ],
    }
    data.update(changes)
    return data


DELETE = object()
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def change(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `doc` with the value at `path` set (DELETE removes the key)."""
    doc = copy.deepcopy(doc)
    steps: list[str | int] = [name if name else int(index) for name, index in _STEP.findall(path)]
    target: Any = doc
    for step in steps[:-1]:
        target = target[step]
    last = steps[-1]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return doc


def changed(doc: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    for path, value in changes.items():
        doc = change(doc, path, value)
    return doc


def check(doc: object, *, now: datetime = NOW) -> list[Finding]:
    return validate(doc, now=now, code_source=code_source, sor_source=sor_source)


def broken(doc: object, rule_id: str, *, now: datetime = NOW) -> list[str]:
    """The paths at which `rule_id` finds the document wrong."""
    return [f.path for f in check(doc, now=now) if f.rule == rule_id]
