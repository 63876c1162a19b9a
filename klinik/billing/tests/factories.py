"""Small helpers for billing tests: a treatment type with a price, an appointment that took
place (written directly: booking rules are scheduling's tests' business)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from klinik.billing.models import PriceItem
from klinik.scheduling.choices import AppointmentStatus, BookedVia
from klinik.scheduling.models import Appointment, AppointmentType


def treatment_type(unit, name="Fysioterapi, opfølgning", price="450.00"):
    kind = AppointmentType.objects.create(
        organisation_id=unit.organisation_id, unit=unit, name=name, duration_minutes=30
    )
    PriceItem.objects.create(
        organisation_id=unit.organisation_id,
        name=name,
        unit_price=Decimal(price),
        vat_rate=0,
        appointment_type=kind,
    )
    return kind


def appointment_held(
    patient, kind, *, start: datetime | None = None, status=AppointmentStatus.FINISHED
):
    start = start or timezone.now() - timedelta(days=1)
    return Appointment.objects.create(
        organisation_id=kind.organisation_id,
        unit=kind.unit,
        appointment_type=kind,
        patient=patient,
        start=start,
        end=start + timedelta(minutes=30),
        block_end=start + timedelta(minutes=30),
        status=status,
        booked_via=BookedVia.STAFF,
    )
