"""Correspondence's rows about a patient, for the GDPR export and a merge (patients.hooks)."""

from __future__ import annotations

from typing import Any

from klinik.core.hooks import hook_register
from klinik.correspondence.models import OutboxMessage
from klinik.patients.hooks import PATIENT_PARTS, PatientPart, merge_move
from klinik.patients.models import Patient


def _messages(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Planlagt": m.scheduled_for,
            "Sendt": m.sent_at,
            "Slags": m.get_kind_display(),
            "Kanal": m.get_channel_display(),
            "Modtager": m.recipient,
            "Emne": m.subject,
            "Tekst": m.body,
            "Status": m.get_status_display(),
        }
        for m in OutboxMessage.objects.filter(patient=patient).order_by("-scheduled_for")
    ]


_merge, _unmerge = merge_move(OutboxMessage)
MESSAGES = PatientPart(
    "messages",
    "Beskeder sendt til dig (SMS og e-mail)",
    ("correspondence.OutboxMessage",),
    _messages,
    order=60,
    merge=_merge,
    unmerge=_unmerge,
)


def register() -> None:
    """Called from CorrespondenceConfig.ready()."""
    hook_register(PATIENT_PARTS, MESSAGES)
