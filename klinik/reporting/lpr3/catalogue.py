"""The 399 LPR3 business rules ("dyb validering", SDS 2018 snapshot) read from the shipped CSV.

Each rule keeps its official id (`Rulename`: `05.14`, `5102`, `02.a`), group, severity, Danish
text and the sheet's validity columns. The rules' code lives in `rules/`; this is their metadata.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from types import MappingProxyType

RULES_FILE = "lpr3-business-rules-2018-09-21.csv"


class Severity(enum.StrEnum):
    ERROR = "ERROR"
    WARNING = "WARNING"


class Group(enum.StrEnum):
    NONE = "NONE"
    PATIENT = "PATIENT"
    BOPAEL = "BOPAEL"
    FORLOEBSELEMENT = "FORLOEBSELEMENT"
    REFERENCE = "REFERENCE"
    FORLOEBSMARKOER = "FORLOEBSMARKOER"
    KONTAKT = "KONTAKT"
    KONTAKTAARSAG = "KONTAKTAARSAG"
    HENVISNING = "HENVISNING"
    OPHOLDSADRESSE = "OPHOLDSADRESSE"
    BETALINGSOPLYSNING = "BETALINGSOPLYSNING"
    PROCEDURE = "PROCEDURE"
    DIAGNOSE = "DIAGNOSE"
    RESULTATINDBERETNING = "RESULTATINDBERETNING"
    RESULTAT = "RESULTAT"


# The sheet's columns besides the five named fields, kept as text (flags and date windows).
_NAMED = ("ErrorType", "RuleGroup", "Rulename", "ErrorNumber", "ErrorText", "ArchivedDate")


@dataclass(frozen=True)
class RuleInfo:
    id: str  # the official rule name, e.g. "05.14"
    group: Group
    severity: Severity
    number: int  # ErrorNumber
    text: str  # the Danish error text
    archived: date | None
    validity: Mapping[
        str, str
    ]  # the remaining sheet columns, e.g. "IsValidForPrivateSectorReports"


def _date(text: str) -> date | None:
    if not text:
        return None
    return datetime.fromisoformat(text).date()


def _read() -> dict[str, RuleInfo]:
    raw = resources.files("klinik.reporting.lpr3").joinpath("data", RULES_FILE).read_bytes()
    rules: dict[str, RuleInfo] = {}
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8"))):
        rule_id = row["Rulename"].strip()
        if rule_id in rules:
            raise ValueError(f"LPR3 rule {rule_id} appears twice in {RULES_FILE}")
        rules[rule_id] = RuleInfo(
            id=rule_id,
            group=Group(row["RuleGroup"]),
            severity=Severity.WARNING if row["ErrorType"] == "WARN" else Severity(row["ErrorType"]),
            number=int(row["ErrorNumber"]),
            text=row["ErrorText"].strip(),
            archived=_date(row["ArchivedDate"]),
            validity=MappingProxyType({k: v for k, v in row.items() if k not in _NAMED}),
        )
    return rules


@cache
def catalogue() -> Mapping[str, RuleInfo]:
    """Every rule of the sheet by id, in the sheet's order."""
    return MappingProxyType(_read())
