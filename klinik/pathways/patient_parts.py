"""Pathways' rows about a patient, for the GDPR export and a merge (patients.hooks)."""

from __future__ import annotations

from typing import Any

from klinik.core.hooks import hook_register
from klinik.pathways.models import Pathway, Referral, Task
from klinik.patients.hooks import PATIENT_PARTS, PatientPart, merge_move
from klinik.patients.models import Patient


def _referrals(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Modtaget": r.received_at,
            "Modtager": r.unit.name,
            "Henviser": r.referrer_name,
            "Årsag": r.reason,
            "Diagnose": r.diagnosis,
            "Prioritet": r.get_priority_display(),
            "Status": r.get_status_display(),
            "Rettigheder": ", ".join(r.rights),
        }
        for r in Referral.objects.filter(patient=patient)
        .select_related("unit")
        .order_by("-received_at")
    ]


def _pathways(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Forløbslabel": p.label,
            "Titel": p.title,
            "Ansvarlig enhed": p.unit.name,
            "Start": p.started_at,
            "Slut": p.ended_at,
            "Afslutningsmåde": p.end_mode,
            "Markører": ", ".join(
                f"{m.code} {m.at:%d.%m.%Y}" for m in p.markers.all() if m.removed_at is None
            ),
        }
        for p in Pathway.objects.filter(patient=patient)
        .select_related("unit")
        .prefetch_related("markers")
        .order_by("-started_at")
    ]


def _tasks(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Opgave": t.title,
            "Enhed": t.unit.name,
            "Frist": t.due,
            "Status": t.get_status_display(),
            "Oprettet": t.created_at,
        }
        for t in Task.objects.filter(patient=patient).select_related("unit").order_by("-created_at")
    ]


def _part(key: str, title: str, model: Any, rows: Any, order: int) -> PatientPart:
    merge, unmerge = merge_move(model)
    return PatientPart(
        key, title, (model._meta.label,), rows, order=order, merge=merge, unmerge=unmerge
    )


PARTS = (
    _part("referrals", "Henvisninger", Referral, _referrals, 45),
    _part("pathways", "Forløb", Pathway, _pathways, 46),
    _part("tasks", "Opgaver", Task, _tasks, 47),
)


def register() -> None:
    """Called from PathwaysConfig.ready()."""
    for part in PARTS:
        hook_register(PATIENT_PARTS, part)
