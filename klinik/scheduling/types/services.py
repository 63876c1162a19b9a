"""Setup writes for appointment types: name, duration, buffers, the resources it needs (each a
kind, "any" or one of a pool), online, attendance, group size, preparation, reminder, colour.

All input is checked first, every problem at its field; then one durable transaction writes
the type, its requirements and the setup-log entry (who, what, old → new). A type needs at
least one resource, and each one must exist, active, in the type's unit.

Buffers: booking and slot search hold the resources from the buffer before the appointment
(preparing the room) to the end of the buffer after it (tidying, notes): AppointmentType.
hold_span. The appointment itself keeps its own start and end.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from klinik.audit.choices import Channel
from klinik.core.errors import SetupCode, SetupErrors
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.core.setup_log import setup_change_record, setup_snapshot
from klinik.scheduling.choices import Attendance, ResourceKind
from klinik.scheduling.errors import AppointmentTypeInvalid
from klinik.scheduling.models import AppointmentType, Resource, TypeRequirement

TYPE_FIELDS = (
    "name",
    "duration_minutes",
    "buffer_minutes",
    "buffer_before_minutes",
    "attendance",
    "bookable_online",
    "is_group",
    "capacity",
    "preparation_text",
    "reminder_hours",
    "colour",
    "is_active",
)
MIN_DURATION, MAX_DURATION = 5, 600  # the table's check constraint
MAX_BUFFER = 240
MAX_CAPACITY = 100
MAX_REMINDER_HOURS = 24 * 14
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class RequirementInput:
    """One resource a type needs: of `kind`; from `allowed` (public ids) when given, else any
    active one of the unit."""

    kind: str
    allowed: Sequence[uuid.UUID] = field(default_factory=tuple)


@dataclass(frozen=True)
class TypeInput:
    name: str
    duration_minutes: int
    buffer_minutes: int = 0
    buffer_before_minutes: int = 0
    attendance: str = Attendance.IN_PERSON
    bookable_online: bool = False
    is_group: bool = False
    capacity: int = 1
    preparation_text: str = ""
    reminder_hours: int = 24
    colour: str = "#4a90d9"
    is_active: bool = True
    requirements: Sequence[RequirementInput] = field(default_factory=tuple)


def _int_in(errors: SetupErrors, name: str, value: int, low: int, high: int, message: Any) -> None:
    if not low <= value <= high:
        errors.add(name, message)


def _check_fields(data: TypeInput, errors: SetupErrors) -> dict[str, Any]:
    name = data.name.strip()
    if not name:
        errors.add("name", AppointmentTypeInvalid.REQUIRED)
    elif len(name) > 120:
        errors.add("name", AppointmentTypeInvalid.TOO_LONG % {"max": 120})
    _int_in(
        errors,
        "duration_minutes",
        data.duration_minutes,
        MIN_DURATION,
        MAX_DURATION,
        AppointmentTypeInvalid.DURATION % {"min": MIN_DURATION, "max": MAX_DURATION},
    )
    _int_in(
        errors,
        "buffer_minutes",
        data.buffer_minutes,
        0,
        MAX_BUFFER,
        AppointmentTypeInvalid.BUFFER % {"max": MAX_BUFFER},
    )
    _int_in(
        errors,
        "buffer_before_minutes",
        data.buffer_before_minutes,
        0,
        MAX_BUFFER,
        AppointmentTypeInvalid.BUFFER % {"max": MAX_BUFFER},
    )
    if data.attendance not in Attendance.values:
        errors.add("attendance", AppointmentTypeInvalid.CHOICE)
    if data.is_group:
        _int_in(
            errors,
            "capacity",
            data.capacity,
            2,
            MAX_CAPACITY,
            AppointmentTypeInvalid.CAPACITY % {"max": MAX_CAPACITY},
        )
    elif data.capacity != 1:
        errors.add("capacity", AppointmentTypeInvalid.CAPACITY_NOT_GROUP)
    _int_in(
        errors,
        "reminder_hours",
        data.reminder_hours,
        0,
        MAX_REMINDER_HOURS,
        AppointmentTypeInvalid.REMINDER_HOURS % {"max": MAX_REMINDER_HOURS},
    )
    if not COLOUR.fullmatch(data.colour):
        errors.add("colour", AppointmentTypeInvalid.COLOUR)
    return {
        "name": name,
        "duration_minutes": data.duration_minutes,
        "buffer_minutes": data.buffer_minutes,
        "buffer_before_minutes": data.buffer_before_minutes,
        "attendance": data.attendance,
        "bookable_online": data.bookable_online,
        "is_group": data.is_group,
        "capacity": data.capacity if data.is_group else 1,
        "preparation_text": data.preparation_text.strip(),
        "reminder_hours": data.reminder_hours,
        "colour": data.colour.lower(),
        "is_active": data.is_active,
    }


def _kind_label(kind: str) -> str:
    return str(ResourceKind(kind).label).lower()


def _check_requirements(
    unit: Unit, requirements: Sequence[RequirementInput], errors: SetupErrors
) -> list[tuple[str, list[Resource]]]:
    """Each requirement with its pool; a kind the unit lacks, or a pool member that is not an
    active resource of that kind in the unit, is refused at `requirement_<kind>`."""
    if not requirements:
        errors.add("requirements", AppointmentTypeInvalid.NO_REQUIREMENT, SetupCode.NO_REQUIREMENT)
        return []
    resources = list(
        Resource.objects.filter(organisation_id=unit.organisation_id, unit=unit, is_active=True)
    )
    checked: list[tuple[str, list[Resource]]] = []
    for requirement in requirements:
        kind = requirement.kind
        field_name = f"requirement_{kind}"
        if kind not in ResourceKind.values:
            errors.add("requirements", AppointmentTypeInvalid.CHOICE)
            continue
        of_kind = {r.public_id: r for r in resources if r.kind == kind}
        if not of_kind:
            errors.add(
                field_name,
                AppointmentTypeInvalid.RESOURCE_MISSING
                % {"unit": unit.name, "kind": _kind_label(kind)},
                SetupCode.RESOURCE_MISSING,
            )
            continue
        pool: list[Resource] = []
        for public_id in requirement.allowed:
            resource = of_kind.get(public_id)
            if resource is None:
                other = Resource.objects.filter(
                    public_id=public_id, organisation_id=unit.organisation_id
                ).first()
                errors.add(
                    field_name,
                    AppointmentTypeInvalid.NOT_IN_UNIT
                    % {
                        "resource": other.name if other else str(public_id),
                        "kind": _kind_label(kind),
                        "unit": unit.name,
                    },
                    SetupCode.RESOURCE_MISSING,
                )
            elif resource not in pool:
                pool.append(resource)
        checked.append((kind, pool))
    return checked


def _requirements_text(appointment_type: AppointmentType) -> str:
    """ "practitioner: any; room: Stue 1, Stue 2" for the setup log."""
    parts = []
    for requirement in appointment_type.requirements.order_by("pk").prefetch_related("allowed"):
        names = sorted(r.name for r in requirement.allowed.all())
        parts.append(f"{requirement.kind}: {', '.join(names) if names else 'any'}")
    return "; ".join(parts)


def _snapshot(appointment_type: AppointmentType) -> dict[str, str]:
    return setup_snapshot(appointment_type, TYPE_FIELDS) | {
        "requirements": _requirements_text(appointment_type)
    }


def _requirements_write(
    appointment_type: AppointmentType, requirements: list[tuple[str, list[Resource]]]
) -> None:
    appointment_type.requirements.all().delete()
    for kind, pool in requirements:
        requirement = TypeRequirement.objects.create(
            organisation_id=appointment_type.organisation_id,
            appointment_type=appointment_type,
            kind=kind,
        )
        if pool:
            requirement.allowed.set(pool)


def _name_taken(unit: Unit, name: str, exclude: AppointmentType | None) -> bool:
    same = AppointmentType.objects.filter(unit=unit, name__iexact=name)
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    return same.exists()


def _checked(
    unit: Unit, data: TypeInput, exclude: AppointmentType | None
) -> tuple[dict[str, Any], list[tuple[str, list[Resource]]]]:
    errors = SetupErrors(AppointmentTypeInvalid)
    values = _check_fields(data, errors)
    if values["name"] and _name_taken(unit, values["name"], exclude):
        errors.add("name", AppointmentTypeInvalid.NAME_TAKEN, SetupCode.NAME_TAKEN)
    requirements = _check_requirements(unit, data.requirements, errors)
    errors.raise_if_any()
    return values, requirements


def appointment_type_create(
    *, actor: Actor, unit: Unit, data: TypeInput, channel: Channel = Channel.UI
) -> AppointmentType:
    """A new appointment type in a unit of the acting organisation (found by the caller
    through the setup selectors)."""
    require(actor, Perm.CLINIC_SETUP)
    assert actor.organisation is not None and unit.organisation_id == actor.organisation.pk
    values, requirements = _checked(unit, data, None)
    try:
        with transaction.atomic(durable=True):
            created = AppointmentType.objects.create(
                organisation_id=unit.organisation_id, unit=unit, **values
            )
            _requirements_write(created, requirements)
            setup_change_record(
                actor=actor,
                object_type="appointment_type",
                object_id=created.public_id,
                before=None,
                after=_snapshot(created),
                channel=channel,
            )
    except IntegrityError as exc:  # a constraint the checks above should have caught
        raise AppointmentTypeInvalid.one("name", AppointmentTypeInvalid.CHOICE) from exc
    return created


def appointment_type_update(
    *,
    actor: Actor,
    appointment_type: AppointmentType,
    data: TypeInput,
    channel: Channel = Channel.UI,
) -> AppointmentType:
    """Change a type; its requirements are replaced by the given ones."""
    require(actor, Perm.CLINIC_SETUP)
    assert actor.organisation is not None
    assert appointment_type.organisation_id == actor.organisation.pk
    unit = appointment_type.unit
    values, requirements = _checked(unit, data, appointment_type)
    with transaction.atomic(durable=True):
        locked = AppointmentType.objects.select_for_update().get(pk=appointment_type.pk)
        before = _snapshot(locked)
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(TYPE_FIELDS))
        _requirements_write(locked, requirements)
        setup_change_record(
            actor=actor,
            object_type="appointment_type",
            object_id=locked.public_id,
            before=before,
            after=_snapshot(locked),
            channel=channel,
        )
    return locked
