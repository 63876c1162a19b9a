"""Writes of the LPR3 report: re-validating patients into the error list, and sending.

Re-validation builds each patient's report (document.py), runs the business rules
(`reporting.lpr3.validate`) and brings the patient's open findings up to date: a new finding
is added (first seen now), one found again keeps its row, one no longer found is fixed (now).
Patients are read and written in batches (a few queries per batch, not per contact), each batch
in its own transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel
from klinik.core.policy import Actor, Perm
from klinik.pathways.selectors import lpr3_patient_ids
from klinik.patients.access import access_patient
from klinik.patients.models import Patient
from klinik.reporting.lpr3.catalogue import Severity as RuleSeverity
from klinik.reporting.lpr3.engine import (
    Finding,
    Span,
    cached_codes,
    organisation_units,
    validate,
)
from klinik.reporting.lpr3_report.deadlines import finding_deadline
from klinik.reporting.lpr3_report.document import BuiltReport, reports_build
from klinik.reporting.lpr3_report.errors import Lpr3Code, Lpr3Error
from klinik.reporting.lpr3_report.models import Lpr3Finding, Lpr3Submission
from klinik.reporting.lpr3_report.transport import Lpr3Transport, lpr3_transport

BATCH = 500


@dataclass
class Revalidated:
    patients: int = 0
    found: int = 0  # new findings
    fixed: int = 0  # findings no longer found
    open: int = 0  # open findings after the run


class _Sor:
    def __init__(self) -> None:
        self.read = organisation_units()
        self.spans: dict[str, Span | None] = {}

    def __call__(self, codes: frozenset[str]) -> Mapping[str, Span]:
        missing = codes - self.spans.keys()
        if missing:
            found = self.read(frozenset(missing))
            for code in missing:
                self.spans[code] = found.get(code)
        return {code: span for code in codes if (span := self.spans[code]) is not None}


def _store(
    reports: list[BuiltReport], results: list[list[Finding]], now: datetime, tally: Revalidated
) -> None:
    """Bring the batch's open findings up to date (one read, a few bulk writes)."""
    patient_ids = [r.patient_id for r in reports]
    current: dict[tuple[int, str, str], Lpr3Finding] = {
        (f.patient_id, f.rule, f.path): f
        for f in Lpr3Finding.objects.filter(
            organisation_id=reports[0].organisation_id if reports else 0,
            patient_id__in=patient_ids,
            fixed_at__isnull=True,
        )
    }
    new: list[Lpr3Finding] = []
    changed: list[Lpr3Finding] = []
    seen: set[tuple[int, str, str]] = set()
    for report, findings in zip(reports, results, strict=True):
        fallback_unit = report.elements[0].unit_id if report.elements else None
        for finding in findings:
            unit_id, pathway_id, contact_id = report.where(finding.path)
            unit_id = unit_id or fallback_unit
            if unit_id is None:
                continue  # nothing of the patient's is reported by a unit
            key = (report.patient_id, finding.rule, finding.path)
            seen.add(key)
            severity = "ERROR" if finding.severity == RuleSeverity.ERROR else "WARNING"
            row = current.get(key)
            first_seen = row.first_seen if row is not None else now
            deadline = finding_deadline(
                rule=finding.rule,
                contact=report.contact_times.get(contact_id) if contact_id else None,
                pathway=report.pathway_times.get(pathway_id) if pathway_id else None,
                first_seen=first_seen,
            )
            values = {
                "unit_id": unit_id,
                "pathway_id": pathway_id,
                "contact_id": contact_id,
                "severity": severity,
                "message": finding.message,
                "deadline": deadline,
            }
            if row is None:
                new.append(
                    Lpr3Finding(
                        organisation_id=report.organisation_id,
                        patient_id=report.patient_id,
                        rule=finding.rule,
                        path=finding.path,
                        first_seen=now,
                        **values,
                    )
                )
            elif any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                changed.append(row)
    gone = [row.pk for key, row in current.items() if key not in seen]
    if gone:
        Lpr3Finding.objects.filter(pk__in=gone).update(fixed_at=now)
    if changed:
        Lpr3Finding.objects.bulk_update(
            changed,
            ["unit_id", "pathway_id", "contact_id", "severity", "message", "deadline"],
        )
    if new:
        Lpr3Finding.objects.bulk_create(new)
    tally.patients += len(reports)
    tally.found += len(new)
    tally.fixed += len(gone)
    tally.open += len(seen)


def _revalidate(
    actor: Actor | None,
    organisation_id: int,
    patients: list[Patient],
    now: datetime,
    tally: Revalidated,
) -> None:
    codes, sor = cached_codes(), _Sor()  # each code and SOR unit read once per run
    for start in range(0, len(patients), BATCH):
        batch = patients[start : start + BATCH]
        reports = reports_build(
            actor=actor, organisation_id=organisation_id, patients=batch, now=now
        )
        results = [
            validate(r.document, now=now, code_source=codes, sor_source=sor) for r in reports
        ]
        with transaction.atomic(durable=True):
            _store(reports, results, now, tally)


def lpr3_patient_revalidate(
    *,
    actor: Actor,
    public_id: uuid.UUID | str,
    channel: Channel = Channel.UI,
    now: datetime | None = None,
) -> Revalidated:
    """Re-validate one patient's report now (the error list's button; the read is logged)."""
    patient = access_patient(
        actor=actor,
        public_id=public_id,
        channel=channel,
        perm=Perm.REPORT_LPR3,
        object_type="lpr3_report",
    )
    tally = Revalidated()
    _revalidate(actor, patient.organisation_id, [patient], now or timezone.now(), tally)
    return tally


def lpr3_patient_ids_revalidate(
    *, organisation_id: int, patient_ids: Iterable[int], now: datetime | None = None
) -> Revalidated:
    """Re-validate the given patients as the system (after a change to their contact or
    pathway, and the nightly run): no actor, so nothing is shown to anyone here."""
    tally = Revalidated()
    patients = list(
        Patient.objects.filter(organisation_id=organisation_id, pk__in=list(patient_ids)).order_by(
            "pk"
        )
    )
    _revalidate(None, organisation_id, patients, now or timezone.now(), tally)
    return tally


def lpr3_unit_revalidate(
    *, organisation_id: int, unit_id: int | None = None, now: datetime | None = None
) -> Revalidated:
    """The nightly run: every patient with a pathway at the unit (or at any unit of the
    organisation), in batches."""
    ids = lpr3_patient_ids(organisation_id=organisation_id, unit_id=unit_id)
    return lpr3_patient_ids_revalidate(organisation_id=organisation_id, patient_ids=ids, now=now)


def lpr3_patient_send(
    *,
    actor: Actor,
    public_id: uuid.UUID | str,
    channel: Channel = Channel.UI,
    transport: Lpr3Transport | None = None,
    now: datetime | None = None,
) -> Lpr3Submission:
    """Send the patient's current report when it has no errors (warnings do not stop it):
    the next version of the patient's set, through the transport adapter."""
    now = now or timezone.now()
    patient = access_patient(
        actor=actor,
        public_id=public_id,
        channel=channel,
        action=Action.EXPORT,
        perm=Perm.REPORT_LPR3,
        object_type="lpr3_report",
    )
    report = reports_build(
        actor=actor, organisation_id=patient.organisation_id, patients=[patient], now=now
    )[0]
    if not report.elements:
        raise Lpr3Error(Lpr3Code.NOTHING_TO_SEND, Lpr3Error.NOTHING_TO_SEND)
    findings = validate(report.document, now=now)
    errors = [f for f in findings if f.severity == RuleSeverity.ERROR]
    with transaction.atomic(durable=True):
        _store([report], [findings], now, Revalidated())
    if errors:
        raise Lpr3Error(Lpr3Code.HAS_ERRORS, Lpr3Error.HAS_ERRORS % {"count": len(errors)})
    with transaction.atomic(durable=True):
        last = (
            Lpr3Submission.objects.select_for_update()
            .filter(organisation_id=patient.organisation_id, patient=patient)
            .order_by("-version")
            .first()
        )
        return (transport or lpr3_transport()).send(
            organisation_id=patient.organisation_id,
            patient_id=patient.pk,
            set_id=last.set_id if last is not None else uuid.uuid4(),
            version=last.version + 1 if last is not None else 1,
            document=report.document,
            sent_at=now,
            sent_by_id=actor.user.pk,
        )
