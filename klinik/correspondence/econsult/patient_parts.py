"""Patients' messages (e-konsultation) in the GDPR export and in a merge (patients.hooks)."""

from __future__ import annotations

from typing import Any

from klinik.correspondence.models import PatientMessage
from klinik.patients.hooks import PatientPart, merge_move
from klinik.patients.models import Patient


def _messages(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Modtaget": m.received_at,
            "Emne": m.subject,
            "Besked": m.text,
            "Svar": m.answer,
            "Besvaret": m.answered_at,
            "Status": m.get_status_display(),
        }
        for m in PatientMessage.objects.filter(patient=patient).order_by("-received_at")
    ]


_merge, _unmerge = merge_move(PatientMessage)
PATIENT_MESSAGES = PatientPart(
    "patient_messages",
    "Dine beskeder til klinikken (e-konsultation)",
    ("correspondence.PatientMessage",),
    _messages,
    order=65,
    merge=_merge,
    unmerge=_unmerge,
)
