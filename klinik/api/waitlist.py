"""The waiting list over REST: put a patient on it with their wishes, read a unit's list."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from klinik.api.types import ApiDate, Out
from klinik.audit.choices import Channel
from klinik.core.http import ApiRequest
from klinik.core.models import Unit
from klinik.patients.access import access_patient
from klinik.scheduling.access import access_appointment_type, access_resource
from klinik.scheduling.choices import TimeOfDay
from klinik.scheduling.models import WaitlistEntry
from klinik.scheduling.waitlist import (
    offer_state,
    waitlist_add,
    waitlist_entries,
    weekdays_list,
    weekdays_mask,
)

router = Router(tags=["waitlist"])


class WaitlistIn(Schema):
    patient: uuid.UUID
    appointment_type: uuid.UUID
    practitioner: uuid.UUID | None = None
    earliest: ApiDate | None = None
    latest: ApiDate | None = None
    # 0 Monday ... 6 Sunday; empty: any day.
    weekdays: list[int] = Field(default_factory=list, max_length=7)
    time_of_day: TimeOfDay = TimeOfDay.ANY
    note: str = Field(default="", max_length=300)


class WaitlistOfferOut(Out):
    start: datetime
    status: str
    expires_at: datetime


class WaitlistEntryOut(Out):
    id: uuid.UUID
    patient: uuid.UUID
    patient_name: str
    appointment_type: uuid.UUID
    practitioner: uuid.UUID | None
    earliest: date | None
    latest: date | None
    weekdays: list[int]
    time_of_day: str
    note: str
    status: str
    created_at: datetime
    offers: list[WaitlistOfferOut]


class WaitlistCreated(Out):
    id: uuid.UUID


def _entry_out(entry: WaitlistEntry, now: datetime) -> WaitlistEntryOut:
    return WaitlistEntryOut(
        id=entry.public_id,
        patient=entry.patient.public_id,
        patient_name=entry.patient.name,
        appointment_type=entry.appointment_type.public_id,
        practitioner=entry.practitioner.public_id if entry.practitioner else None,
        earliest=entry.earliest,
        latest=entry.latest,
        weekdays=weekdays_list(entry.weekdays),
        time_of_day=entry.time_of_day,
        note=entry.note,
        status=entry.status,
        created_at=entry.created_at,
        offers=[
            WaitlistOfferOut(
                start=offer.opening.start,
                status=offer_state(offer, now),
                expires_at=offer.expires_at,
            )
            for offer in entry.offers.all()
        ],
    )


@router.post("/waitlist", response={201: WaitlistCreated}, summary="Put a patient on the list")
def waitlist_create(request: ApiRequest, payload: WaitlistIn) -> tuple[int, WaitlistCreated]:
    actor = request.auth
    patient = access_patient(actor=actor, public_id=payload.patient, channel=Channel.API)
    kind = access_appointment_type(actor=actor, public_id=payload.appointment_type)
    practitioner = (
        access_resource(actor=actor, public_id=payload.practitioner)
        if payload.practitioner
        else None
    )
    entry = waitlist_add(
        actor=actor,
        patient=patient,
        appointment_type=kind,
        practitioner=practitioner,
        earliest=payload.earliest,
        latest=payload.latest,
        weekdays=weekdays_mask(payload.weekdays),
        time_of_day=payload.time_of_day,
        note=payload.note,
        channel=Channel.API,
    )
    return 201, WaitlistCreated(id=entry.public_id)


@router.get("/waitlist", response=list[WaitlistEntryOut], summary="A unit's waiting list")
def waitlist_list(request: ApiRequest, unit: uuid.UUID) -> list[WaitlistEntryOut]:
    """The unit's waiting patients, first come first, with their offers; logged once."""
    found = Unit.objects.filter(
        public_id=unit, organisation_id__in=request.auth.organisation_ids
    ).first()
    if found is None:
        raise HttpError(404, "unit: not found")
    now = timezone.now()
    return [
        _entry_out(entry, now)
        for entry in waitlist_entries(actor=request.auth, unit=found, channel=Channel.API)
    ]
