"""The pathways' settings: how many working days ahead the work queue warns of a deadline,
for a unit or for the whole organisation (a unit's own setting wins). Setup changes go into
the access log (core.setup_log)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from klinik.audit.choices import Channel
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.core.setup_log import setup_change_record, setup_snapshot
from klinik.pathways.errors import PathwayCode, PathwayError
from klinik.pathways.models import PathwaySettings

WARNING_MAX = 30
DEFAULT_WARNING_DAYS = 3


def warning_days_for(unit: Unit) -> tuple[int, str]:
    """The unit's warning and where it comes from: "unit", "organisation" or "default"."""
    rows = list(
        PathwaySettings.objects.filter(organisation_id=unit.organisation_id).filter(
            Q(unit=unit) | Q(unit__isnull=True)
        )
    )
    own = next((r for r in rows if r.unit_id == unit.pk), None)
    if own is not None:
        return own.warning_working_days, "unit"
    shared = next((r for r in rows if r.unit_id is None), None)
    if shared is not None:
        return shared.warning_working_days, "organisation"
    return DEFAULT_WARNING_DAYS, "default"


def pathway_warning_set(
    *,
    actor: Actor,
    unit: Unit,
    warning_working_days: int,
    for_organisation: bool = False,
    channel: Channel = Channel.UI,
) -> PathwaySettings:
    """Set the warning for the unit, or (for_organisation) for every unit without its own."""
    require(actor, Perm.CLINIC_SETUP)
    if unit.organisation_id not in actor.organisation_ids:
        raise PathwayError(PathwayCode.UNIT_NOT_YOURS, PathwayError.UNIT_NOT_YOURS, field="unit")
    if not 0 <= warning_working_days <= WARNING_MAX:
        raise PathwayError(
            PathwayCode.BAD_VALUE,
            PathwayError.BAD_VALUE % {"value": warning_working_days},
            field="warning_working_days",
        )
    with transaction.atomic(durable=True):
        row, created = PathwaySettings.objects.select_for_update().get_or_create(
            organisation_id=unit.organisation_id,
            unit=None if for_organisation else unit,
            defaults={"warning_working_days": warning_working_days},
        )
        before = None if created else setup_snapshot(row, ["warning_working_days"])
        row.warning_working_days = warning_working_days
        row.save(update_fields=["warning_working_days"])
        setup_change_record(
            actor=actor,
            object_type="pathway_settings",
            object_id=row.pk,
            before=before,
            after=setup_snapshot(row, ["warning_working_days"]),
            channel=channel,
        )
    return row
