"""Reads of fees: a unit's day for the approval screen and the API (a patient list: one
access-log entry), the settlement batches."""

from __future__ import annotations

from datetime import date

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.billing.models import Fee, Settlement
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require


def fees_for_day(
    *, actor: Actor, day: date, unit: Unit | None = None, channel: Channel = Channel.UI
) -> list[Fee]:
    """The day's fees of the unit (or of all the actor's units), by patient."""
    require(actor, Perm.FEE_APPROVE)
    rows = Fee.objects.filter(organisation_id__in=actor.organisation_ids, performed_on=day)
    if unit is not None:
        rows = rows.filter(unit=unit)
    fees = list(
        rows.select_related("patient", "appointment", "unit", "invoice").order_by(
            "patient__sort_name", "patient_id", "code"
        )
    )
    patient_list_log(actor, "fee_list", len(fees), channel)
    return fees


def settlements_list(*, actor: Actor) -> list[Settlement]:
    require(actor, Perm.FEE_APPROVE)
    return list(
        Settlement.objects.filter(organisation_id__in=actor.organisation_ids).order_by(
            "-period", "-created_at"
        )[:60]
    )


def settlement_fees(*, actor: Actor, settlement: Settlement) -> list[Fee]:
    require(actor, Perm.FEE_APPROVE)
    fees = list(
        Fee.objects.filter(settlement=settlement)
        .select_related("patient")
        .order_by("performed_on", "id")
    )
    patient_list_log(actor, "settlement_fees", len(fees), Channel.UI)
    return fees
