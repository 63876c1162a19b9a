"""Reads of patients' messages. The list names patients: one access-log entry (ADR 0015)."""

from __future__ import annotations

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.econsult.choices import OPEN_MESSAGE_STATUSES, PatientMessageStatus
from klinik.correspondence.models import PatientMessage
from klinik.patients.models import Patient


def patient_message_list(
    *, actor: Actor, is_open: bool = True, limit: int = 200, channel: Channel = Channel.UI
) -> list[PatientMessage]:
    require(actor, Perm.RECORD_READ)
    rows = PatientMessage.objects.filter(organisation_id__in=actor.organisation_ids).select_related(
        "patient", "assigned_to"
    )
    if is_open:
        rows = rows.filter(status__in=OPEN_MESSAGE_STATUSES).order_by("received_at", "id")
    else:
        rows = rows.exclude(status__in=OPEN_MESSAGE_STATUSES).order_by("-received_at", "-id")
    found = list(rows[:limit])
    patient_list_log(actor, "patient_message_list", len(found), channel)
    return found


def patient_messages(*, patient: Patient) -> list[PatientMessage]:
    return list(
        PatientMessage.objects.filter(organisation_id=patient.organisation_id, patient=patient)
        .select_related("assigned_to", "answered_by")
        .order_by("-received_at", "-id")
    )


def patient_answers(*, patient: Patient, limit: int = 20) -> list[PatientMessage]:
    """What the patient sees behind their link: their messages, the answered with the answer."""
    return list(
        PatientMessage.objects.filter(organisation_id=patient.organisation_id, patient=patient)
        .exclude(status=PatientMessageStatus.CLOSED)
        .order_by("-received_at", "-id")[:limit]
    )
