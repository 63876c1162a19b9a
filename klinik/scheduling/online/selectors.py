"""Reads about online booking for the staff's screens."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from klinik.core.models import Unit
from klinik.core.policy import Actor
from klinik.scheduling.models import AppointmentType


def online_booking_units(*, actor: Actor) -> list[Unit]:
    """The active units of the actor's organisations whose public booking page offers at
    least one type: the staff share these links (the dashboard)."""
    offered = AppointmentType.objects.filter(
        unit=OuterRef("pk"), is_active=True, bookable_online=True
    )
    return list(
        Unit.objects.filter(
            organisation_id__in=actor.organisation_ids,
            is_active=True,
            organisation__is_active=True,
        )
        .filter(Exists(offered))
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )
