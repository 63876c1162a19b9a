"""Reads of renewals. The list names patients: it takes the actor and logs one entry
(ADR 0015); one patient's renewals are read after the patient door logged the read."""

from __future__ import annotations

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.models import Renewal
from klinik.correspondence.renewals.choices import OPEN_RENEWAL_STATUSES
from klinik.patients.models import Patient


def renewal_list(
    *, actor: Actor, is_open: bool = True, limit: int = 200, channel: Channel = Channel.UI
) -> list[Renewal]:
    """The organisation's open renewals (oldest first) or the latest decided ones."""
    require(actor, Perm.RECORD_READ)
    rows = Renewal.objects.filter(organisation_id__in=actor.organisation_ids).select_related(
        "patient", "doctor", "decided_by"
    )
    if is_open:
        rows = rows.filter(status__in=OPEN_RENEWAL_STATUSES).order_by("created_at", "id")
    else:
        rows = rows.exclude(status__in=OPEN_RENEWAL_STATUSES).order_by("-decided_at", "-id")
    found = list(rows[:limit])
    patient_list_log(actor, "renewal_list", len(found), channel)
    return found


def patient_renewals(*, patient: Patient) -> list[Renewal]:
    return list(
        Renewal.objects.filter(organisation_id=patient.organisation_id, patient=patient)
        .select_related("doctor", "decided_by")
        .order_by("-created_at", "-id")
    )
