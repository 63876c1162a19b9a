"""LPR3 error list (issue 18): a unit's nightly re-validation of 10,000 patients."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.utils import timezone

from bench.registry import BenchContext, Measurement, Outcome, benchmark
from klinik.core.choices import Role
from klinik.core.tests.factories import MembershipFactory, OrganisationFactory, UnitFactory
from klinik.demo.generate import generate_patients
from klinik.pathways.models import Pathway, PathwayLink
from klinik.patients.models import Patient
from klinik.records.choices import ContactKind, DiagnosisKind
from klinik.records.models import Contact, ContactDiagnosis
from klinik.reporting.lpr3_report.services import lpr3_unit_revalidate

TARGET_S = 180.0
BATCH = 1000

ABOUT = """\
One hospital unit (with a SOR code) answers for **10,000 patients** (1,000 with `--quick`;
registered by the demo generator, whose synthetic CPR numbers are unique), each with a
pathway (forløbslabel, start 40 days ago) and two physical contacts on it: the first closed
and coded with an aktionsdiagnose, the second closed without one (rules 05.14 and 05.15 find
it), inserted in bulk. `lpr3_unit_revalidate` then builds every patient's report
from the data (batches of 500 patients, a fixed handful of queries per batch), validates it
with every registered rule and brings the error list up to date — first night (every finding
new) and second night (every finding found again, nothing written but the fixed ones).
Target: a night ≤ 3 minutes."""


def _seed(ctx: BenchContext, patients: int) -> dict[str, Any]:
    organisation = OrganisationFactory(slug="bench-lpr3-nightly")
    unit = UnitFactory(organisation=organisation, name="Medicinsk ambulatorium")
    unit.sor_code = "900011000016007"
    unit.save(update_fields=["sor_code"])
    coder = MembershipFactory(unit=unit, role=Role.SECRETARY).user
    ctx.log(f"registering {patients:,} patients")
    # The demo generator: unique, well-formed synthetic CPR numbers (a factory per patient
    # repeated one at 10,000), inserted in bulk.
    generate_patients(organisation=organisation, count=patients, seed=18, units=[unit])
    people = list(Patient.objects.filter(organisation=organisation).order_by("pk"))
    start = timezone.now() - timedelta(days=40)
    org = organisation.pk
    ctx.log("pathways and contacts in bulk")
    pathways = [
        Pathway(
            organisation_id=org,
            unit=unit,
            patient=p,
            label="ALAL22",
            started_at=start,
        )
        for p in people
    ]
    Pathway.objects.bulk_create(pathways, batch_size=BATCH)
    contacts = []
    for p in people:
        for day in (1, 2):
            at = start + timedelta(days=day)
            contacts.append(
                Contact(
                    organisation_id=org,
                    unit=unit,
                    patient=p,
                    kind=ContactKind.PHYSICAL,
                    started_at=at,
                    ended_at=at + timedelta(hours=1),
                )
            )
    Contact.objects.bulk_create(contacts, batch_size=BATCH)
    PathwayLink.objects.bulk_create(
        [
            PathwayLink(organisation_id=org, pathway=pathways[i // 2], contact=c)
            for i, c in enumerate(contacts)
        ],
        batch_size=BATCH,
    )
    ContactDiagnosis.objects.bulk_create(
        [
            ContactDiagnosis(
                organisation_id=org,
                contact=c,
                patient_id=c.patient_id,
                kind=DiagnosisKind.MAIN,
                code="DE11",
                text="Type 2-diabetes",
                recorded_by=coder,
            )
            for c in contacts[::2]
        ],
        batch_size=BATCH,
    )
    return {"organisation": organisation, "unit": unit}


@benchmark(name="lpr3-nightly", title="LPR3: a unit's nightly re-validation", about=ABOUT)
def lpr3_nightly(ctx: BenchContext) -> Outcome:
    patients = ctx.count(10_000, minimum=1_000)
    world = _seed(ctx, patients)
    nights = []
    results = []
    for night in (1, 2):
        ctx.log(f"night {night}")
        started = time.perf_counter()
        results.append(
            lpr3_unit_revalidate(organisation_id=world["organisation"].pk, unit_id=world["unit"].pk)
        )
        nights.append(time.perf_counter() - started)
    return Outcome(
        measurements=[
            Measurement("first", "first night (all new)", round(nights[0], 1), "s", TARGET_S),
            Measurement("second", "second night (found again)", round(nights[1], 1), "s", TARGET_S),
        ],
        parameters={"patients": patients, "contacts": patients * 2},
        notes=[f"{results[0].found:,} findings the first night, {results[1].open:,} open after"],
    )
