"""The LPR3 rows about a patient, for the GDPR export and a merge (patients.hooks)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from klinik.core.hooks import hook_register
from klinik.patients.hooks import PATIENT_PARTS, PatientPart, merge_move
from klinik.patients.models import Patient
from klinik.reporting.lpr3_report.models import Lpr3Finding, Lpr3Submission


def _findings(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Regel": f.rule,
            "Alvor": f.get_severity_display(),
            "Tekst": f.message,
            "Først set": f.first_seen,
            "Rettet": f.fixed_at,
        }
        for f in Lpr3Finding.objects.filter(patient=patient).order_by("-first_seen")
    ]


def _submissions(patient: Patient) -> list[dict[str, Any]]:
    return [
        {"Sæt": str(s.set_id), "Version": s.version, "Sendt": s.sent_at}
        for s in Lpr3Submission.objects.filter(patient=patient).order_by("-version")
    ]


_move_findings, _back_findings = merge_move(Lpr3Finding)


def _merge_findings(source_id: int, target_id: int) -> Any:
    # The findings are derived: the source's open ones end (the target's next re-validation
    # finds what still holds), so two open findings never share a patient, rule and path.
    Lpr3Finding.objects.filter(patient_id=source_id, fixed_at__isnull=True).update(
        fixed_at=timezone.now()
    )
    return _move_findings(source_id, target_id)


def _part(
    key: str, title: str, model: Any, rows: Any, order: int, merge: Any, unmerge: Any
) -> PatientPart:
    return PatientPart(
        key, title, (model._meta.label,), rows, order=order, merge=merge, unmerge=unmerge
    )


PARTS = (
    _part(
        "lpr3_findings", "LPR3-fejl", Lpr3Finding, _findings, 80, _merge_findings, _back_findings
    ),
    _part(
        "lpr3_reports",
        "LPR3-indberetninger",
        Lpr3Submission,
        _submissions,
        81,
        *merge_move(Lpr3Submission),
    ),
)


def register() -> None:
    """Called from ReportingConfig.ready()."""
    for part in PARTS:
        hook_register(PATIENT_PARTS, part)
