"""The manager's online-booking settings of a unit: which appointment types patients book
online, how many days ahead times are offered, and how many hours before an appointment online
cancelling closes. One durable transaction writes them with the setup-log entry."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction

from klinik.core.errors import SetupErrors
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.core.setup_log import setup_change_record
from klinik.scheduling.errors import AppointmentTypeInvalid
from klinik.scheduling.models import AppointmentType, UnitSchedule

MAX_DAYS_AHEAD = 730
MAX_CANCEL_HOURS = 24 * 14


@dataclass(frozen=True)
class OnlineSettings:
    unit: Unit
    days_ahead: int
    cancel_hours: int
    types: list[AppointmentType]  # the unit's active types; bookable_online says which


def _schedule(unit: Unit) -> UnitSchedule:
    return UnitSchedule(organisation_id=unit.organisation_id, unit=unit)


def online_settings(*, actor: Actor, unit: Unit) -> OnlineSettings:
    require(actor, Perm.CLINIC_SETUP)
    schedule = UnitSchedule.objects.filter(unit=unit).first() or _schedule(unit)
    types = list(
        AppointmentType.objects.filter(
            organisation_id=unit.organisation_id, unit=unit, is_active=True
        ).order_by("name")
    )
    return OnlineSettings(unit, schedule.online_days_ahead, schedule.online_cancel_hours, types)


def _online_names(unit: Unit) -> str:
    names = AppointmentType.objects.filter(
        unit=unit, is_active=True, bookable_online=True
    ).values_list("name", flat=True)
    return ", ".join(sorted(names))


def online_settings_update(
    *,
    actor: Actor,
    unit: Unit,
    days_ahead: int,
    cancel_hours: int,
    online_type_ids: Collection[uuid.UUID],
) -> None:
    """Set the unit's online booking settings; the active types named in `online_type_ids`
    become bookable online, the unit's other active types not."""
    require(actor, Perm.CLINIC_SETUP)
    assert actor.organisation is not None and unit.organisation_id == actor.organisation.pk
    errors = SetupErrors(AppointmentTypeInvalid)
    if not 1 <= days_ahead <= MAX_DAYS_AHEAD:
        errors.add("days_ahead", AppointmentTypeInvalid.DAYS_AHEAD % {"max": MAX_DAYS_AHEAD})
    if not 0 <= cancel_hours <= MAX_CANCEL_HOURS:
        errors.add("cancel_hours", AppointmentTypeInvalid.CANCEL_HOURS % {"max": MAX_CANCEL_HOURS})
    types = AppointmentType.objects.filter(
        organisation_id=unit.organisation_id, unit=unit, is_active=True
    )
    if set(online_type_ids) - set(types.values_list("public_id", flat=True)):
        errors.add("types", AppointmentTypeInvalid.CHOICE)
    errors.raise_if_any()
    with transaction.atomic(durable=True):
        schedule, _ = UnitSchedule.objects.select_for_update().get_or_create(
            unit=unit, defaults={"organisation_id": unit.organisation_id}
        )
        before = {
            "online_days_ahead": str(schedule.online_days_ahead),
            "online_cancel_hours": str(schedule.online_cancel_hours),
            "online_types": _online_names(unit),
        }
        schedule.online_days_ahead = days_ahead
        schedule.online_cancel_hours = cancel_hours
        schedule.save(update_fields=["online_days_ahead", "online_cancel_hours"])
        types.filter(public_id__in=online_type_ids).update(bookable_online=True)
        types.exclude(public_id__in=online_type_ids).update(bookable_online=False)
        setup_change_record(
            actor=actor,
            object_type="online_booking",
            object_id=unit.public_id,
            before=before,
            after={
                "online_days_ahead": str(days_ahead),
                "online_cancel_hours": str(cancel_hours),
                "online_types": _online_names(unit),
            },
        )
