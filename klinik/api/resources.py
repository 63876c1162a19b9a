"""Resources over REST: list and add resources, read and replace their working hours, add and
remove absences.

Permissions: reading (GET) needs SCHEDULE_VIEW, as the calendar does; adding a resource and
replacing hours need CLINIC_SETUP (the manager). An absence of a resource may be added or
removed with CLINIC_SETUP or SCHEDULE_BOOK (the desk registers a practitioner's sudden
absence). Everything is scoped to the token's organisation: another organisation's resource
or absence is a 404, exactly as a missing one.
"""

from __future__ import annotations

import uuid
from datetime import time

from ninja import Router, Schema
from pydantic import Field

from klinik.api.types import ApiDate, ApiDateTime, Out
from klinik.audit.choices import Channel
from klinik.core.http import ApiRequest
from klinik.core.models import User
from klinik.core.policy import Perm, require
from klinik.scheduling.choices import AbsenceKind, ResourceKind, WeekParity
from klinik.scheduling.models import Resource, WorkingHours
from klinik.scheduling.setup import selectors, services
from klinik.scheduling.setup.errors import SetupCode, SetupError

router = Router(tags=["resources"])

# The absence reasons, by code and by their Danish words (ferie, sygdom, kursus, andet).
REASONS: dict[str, AbsenceKind] = {kind.value: kind for kind in services.ABSENCE_REASONS} | {
    "ferie": AbsenceKind.VACATION,
    "sygdom": AbsenceKind.SICK,
    "kursus": AbsenceKind.COURSE,
    "andet": AbsenceKind.OTHER,
}


class ResourceDetailOut(Out):
    id: uuid.UUID
    unit: uuid.UUID
    unit_name: str
    kind: str
    name: str
    user: str | None  # the linked user's username (practitioners)
    colour: str
    is_active: bool


class ResourceIn(Schema):
    unit: uuid.UUID
    kind: ResourceKind
    name: str = Field(min_length=1, max_length=200)
    user: str | None = Field(default=None, max_length=150)  # a username of the unit's staff
    colour: str = Field(default="#0b5394", max_length=7)


class HoursRow(Schema):
    weekday: int = Field(ge=0, le=6)  # 0 = Monday
    # Local wall-clock times ("08:00:00") without an offset: RFC 3339's partial-time, not the
    # "time" format, which requires one.
    start: time = Field(json_schema_extra={"format": "partial-time"})
    end: time = Field(json_schema_extra={"format": "partial-time"})
    weeks: WeekParity = WeekParity.EVERY  # every, even or odd ISO weeks
    valid_from: ApiDate | None = None
    valid_to: ApiDate | None = None  # included


class AbsenceIn(Schema):
    start: ApiDateTime
    end: ApiDateTime
    reason: str = Field(max_length=20)  # vacation|sick|course|other (or ferie|sygdom|kursus|andet)
    note: str = Field(default="", max_length=200)


class AbsenceCreatedOut(Out):
    id: uuid.UUID
    conflicts: list[uuid.UUID]  # the booked appointments inside the absence


def _resource_out(resource: Resource) -> ResourceDetailOut:
    return ResourceDetailOut(
        id=resource.public_id,
        unit=resource.unit.public_id,
        unit_name=resource.unit.name,
        kind=resource.kind,
        name=resource.name,
        user=resource.user.username if resource.user else None,
        colour=resource.colour,
        is_active=resource.is_active,
    )


def _hours_out(row: WorkingHours) -> HoursRow:
    return HoursRow(
        weekday=row.weekday,
        start=row.start,
        end=row.end,
        weeks=WeekParity(row.weeks),
        valid_from=row.valid_from,
        valid_to=row.valid_to,
    )


@router.get("/resources", response=list[ResourceDetailOut], summary="Resources")
def resources(request: ApiRequest, unit: uuid.UUID | None = None) -> list[ResourceDetailOut]:
    """The organisation's practitioners, rooms and equipment (inactive ones too), optionally
    of one unit. Needs SCHEDULE_VIEW."""
    actor = require(request.auth, Perm.SCHEDULE_VIEW)
    chosen = selectors.access_setup_unit(actor=actor, public_id=unit) if unit else None
    return [_resource_out(r) for r in selectors.organisation_resources(actor=actor, unit=chosen)]


@router.post("/resources", response={201: ResourceDetailOut}, summary="Add a resource")
def resource_create(request: ApiRequest, payload: ResourceIn) -> tuple[int, ResourceDetailOut]:
    """A new active resource of the unit, without hours. Needs CLINIC_SETUP. 422 when the
    linked user is no staff member of the unit, or the resource is no practitioner."""
    actor = require(request.auth, Perm.CLINIC_SETUP)
    unit = selectors.access_setup_unit(actor=actor, public_id=payload.unit)
    user = None
    if payload.user:
        user = User.objects.filter(username=payload.user).first()
        if user is None:
            raise SetupError(SetupCode.USER_NOT_STAFF, SetupError.USER_NOT_STAFF, "user")
    resource = services.resource_create(
        actor=actor,
        unit=unit,
        kind=payload.kind,
        name=payload.name,
        user=user,
        colour=payload.colour,
        channel=Channel.API,
    )
    return 201, _resource_out(
        selectors.access_setup_resource(actor=actor, public_id=resource.public_id)
    )


@router.get("/resources/{resource_id}/hours", response=list[HoursRow], summary="Working hours")
def hours(request: ApiRequest, resource_id: uuid.UUID) -> list[HoursRow]:
    """The resource's rows of working hours (several on a weekday make breaks). Needs
    SCHEDULE_VIEW."""
    actor = require(request.auth, Perm.SCHEDULE_VIEW)
    resource = selectors.access_setup_resource(actor=actor, public_id=resource_id)
    return [_hours_out(row) for row in selectors.resource_hours(resource=resource)]


@router.put(
    "/resources/{resource_id}/hours",
    response=list[HoursRow],
    summary="Replace the working hours",
)
def hours_replace(
    request: ApiRequest, resource_id: uuid.UUID, payload: list[HoursRow]
) -> list[HoursRow]:
    """Replace the resource's whole set of hours with the rows given (an empty list: no
    hours), atomically. Needs CLINIC_SETUP. 422 and nothing written when a row ends before it
    starts (`hours_order`), a validity period is backwards (`validity_order`) or two rows of
    a weekday overlap on a day both hold (`hours_overlap`); `detail` names the row
    (`hours.N.field: …`)."""
    actor = require(request.auth, Perm.CLINIC_SETUP)
    resource = selectors.access_setup_resource(actor=actor, public_id=resource_id)
    services.hours_replace(
        actor=actor,
        resource=resource,
        rows=[
            services.HoursInput(
                weekday=row.weekday,
                start=row.start,
                end=row.end,
                valid_from=row.valid_from,
                valid_to=row.valid_to,
                weeks=row.weeks.value,
            )
            for row in payload
        ],
        channel=Channel.API,
    )
    return [_hours_out(row) for row in selectors.resource_hours(resource=resource)]


@router.post(
    "/resources/{resource_id}/absences",
    response={201: AbsenceCreatedOut},
    summary="Add an absence",
)
def absence_create(
    request: ApiRequest, resource_id: uuid.UUID, payload: AbsenceIn
) -> tuple[int, AbsenceCreatedOut]:
    """The resource is away from `start` to `end` (ISO date-times; local when without a
    zone) for `reason`: vacation, sick, course or other (or the Danish ferie, sygdom, kursus,
    andet). Slot search offers no time inside it from then on. Booked appointments inside it
    are kept and listed in `conflicts` (their ids): move or cancel them. Needs CLINIC_SETUP or
    SCHEDULE_BOOK. 422 `absence_order` when it ends before it starts, `absence_kind` for
    another reason."""
    actor = request.auth
    resource = selectors.access_setup_resource(actor=actor, public_id=resource_id)
    kind = REASONS.get(payload.reason.strip().lower())
    if kind is None:
        raise SetupError(SetupCode.ABSENCE_KIND, SetupError.ABSENCE_KIND, "reason")
    added = services.absence_add(
        actor=actor,
        unit=resource.unit,
        resource=resource,
        kind=kind,
        start=payload.start,
        end=payload.end,
        note=payload.note,
        channel=Channel.API,
    )
    return 201, AbsenceCreatedOut(
        id=added.absence.public_id, conflicts=[a.public_id for a in added.conflicts]
    )


@router.delete("/absences/{absence_id}", response={204: None}, summary="Remove an absence")
def absence_delete(request: ApiRequest, absence_id: uuid.UUID) -> tuple[int, None]:
    """Remove an absence (CLINIC_SETUP or SCHEDULE_BOOK) or a unit's closing (CLINIC_SETUP);
    its time is bookable again."""
    actor = request.auth
    absence = selectors.access_setup_absence(actor=actor, public_id=absence_id)
    services.absence_delete(actor=actor, absence=absence, channel=Channel.API)
    return 204, None
