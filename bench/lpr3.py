"""LPR3 validation (issue 18): one patient's year checked against the business rules."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.registry import BenchContext, Measurement, Outcome, benchmark
from bench.timing import Stats, time_ms
from klinik.core.tests.factories import OrganisationFactory, UnitFactory
from klinik.reporting.lpr3.engine import organisation_units, validate
from klinik.reporting.lpr3.tests.builder import document

TARGET_MS = 20.0
PATHWAYS = 10
CONTACTS = 20  # per pathway: 200 contacts in all

ABOUT = """\
One patient's year as issue 18 sizes it: a report of **10 forløbselementer with 20 contacts
each** (200 contacts, each with a stay, an aktionsdiagnose and a procedure; a referral and a
marker per element), built from the rule tests' valid document with every contact a day apart
and a few broken rules. Each call is `validate(document)` as `POST /api/v1/lpr3/validate` makes
it: parse, read the SKS validity of every code of the document (one query on the starter set)
and the organisation's SOR units (one query), run every registered rule, sort the findings.
The parser walks the document once into an index the rules share (contacts, stays, diagnoses,
procedures, referrals, the codes to read) and fills the frozen parts without their `__init__`;
the context remembers each time's Danish day (ADR 0038). Target: p95 ≤ 20 ms."""


def year_document() -> dict[str, Any]:
    base = document()
    base["indberetningstidspunkt"] = "2025-01-01T10:00:00+00:00"
    element = base["forloebselementer"][0]
    contact = element["kontakter"][0]
    start = datetime(2024, 1, 2, 8, 0, tzinfo=UTC)
    elements = []
    for e in range(PATHWAYS):
        first = start + timedelta(days=36 * e)
        new = copy.deepcopy(element)
        new.update(
            id=f"f{e}", start=first.isoformat(), slut=(first + timedelta(days=30)).isoformat()
        )
        new["henvisning"]["tidspunkt"] = (first - timedelta(days=3)).isoformat()
        new["markoerer"][0]["tidspunkt"] = first.isoformat()
        new["kontakter"] = []
        for c in range(CONTACTS):
            begin = first + timedelta(days=1 + c, hours=1)
            end = begin + timedelta(hours=1)
            k = copy.deepcopy(contact)
            k.update(id=f"k{e}-{c}", start=begin.isoformat(), slut=end.isoformat())
            k["opholdsadresser"][0].update(start=begin.isoformat(), slut=end.isoformat())
            k["procedurer"][0].update(start=begin.isoformat(), slut=end.isoformat())
            if c == 7:
                k["diagnoser"] = []  # 05.14
            new["kontakter"].append(k)
        elements.append(new)
    base["forloebselementer"] = elements
    return base


@benchmark(name="lpr3", title="LPR3 validation of one patient's year", about=ABOUT)
def lpr3(ctx: BenchContext) -> Outcome:
    calls = ctx.count(300, minimum=50)
    organisation = OrganisationFactory(slug="bench-lpr3")
    UnitFactory(organisation=organisation, name="Medicinsk afdeling", sor_code="SOR1")
    units = organisation_units(organisation)
    doc = year_document()
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    findings = validate(doc, now=now, sor_source=units)
    for _ in range(10):  # warm-up
        validate(doc, now=now, sor_source=units)
    stats = Stats.of(
        [time_ms(lambda: validate(doc, now=now, sor_source=units)) for _ in range(calls)]
    )
    return Outcome(
        measurements=[
            Measurement("p95", "validate, p95", round(stats.p95, 2), "ms", TARGET_MS),
            Measurement("median", "validate, median", round(stats.median, 2), "ms"),
        ],
        parameters={"pathways": PATHWAYS, "contacts": PATHWAYS * CONTACTS, "calls": calls},
        notes=[f"{len(findings)} findings per call"],
    )
