"""Renewals in the patient's GDPR export and in a merge (patients.hooks)."""

from __future__ import annotations

from typing import Any

from klinik.correspondence.models import Renewal
from klinik.patients.hooks import PatientPart, merge_move
from klinik.patients.models import Patient


def _renewals(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Modtaget": r.created_at,
            "Anmodet via": r.get_source_display(),
            "Anmodning": r.request_text,
            "Medicin": r.medication,
            "Dosis": r.dose,
            "Apotek": r.pharmacy,
            "Status": r.get_status_display(),
            "Afgjort": r.decided_at,
            "Begrundelse": r.decision_note,
        }
        for r in Renewal.objects.filter(patient=patient).order_by("-created_at")
    ]


_merge, _unmerge = merge_move(Renewal)
RENEWALS = PatientPart(
    "renewals",
    "Receptfornyelser",
    ("correspondence.Renewal",),
    _renewals,
    order=63,
    merge=_merge,
    unmerge=_unmerge,
)
