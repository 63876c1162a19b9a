"""The units a report may be asked for: the active units of the actor's organisations."""

from __future__ import annotations

from django.http import Http404

from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require


def report_units(*, actor: Actor) -> list[Unit]:
    require(actor, Perm.REPORT_DASHBOARD)
    return list(
        Unit.objects.filter(organisation_id__in=actor.organisation_ids, is_active=True)
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )


def report_unit(*, actor: Actor, public_id: object) -> Unit:
    """One of the actor's units; the same 404 for a missing one and another organisation's."""
    unit = next((u for u in report_units(actor=actor) if str(u.public_id) == str(public_id)), None)
    if unit is None:
        raise Http404
    return unit
