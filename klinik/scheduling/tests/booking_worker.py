"""A booking process for the concurrency tests (and the benchmark): books through the real
service against the test database, in a separate interpreter."""

from __future__ import annotations

import os
from typing import Any


def setup(database_name: str, now: str | None = None) -> None:
    """Pool initializer: Django on the same database as the parent process and, in tests, on
    the parent's clock (`now`, ISO 8601; the clock ticks on from there)."""
    if now is not None:
        from datetime import datetime

        import time_machine

        time_machine.travel(datetime.fromisoformat(now), tick=True).start()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klinik.config.settings")
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = database_name
    django.setup()


def attempt(job: dict[str, Any]) -> str:
    """Try one booking; 'ok' or the refusal's code."""
    from datetime import datetime

    from django.db import close_old_connections

    from klinik.core.models import Membership
    from klinik.core.services import actor_from_membership
    from klinik.patients.models import Patient
    from klinik.scheduling.booking import appointment_book
    from klinik.scheduling.errors import BookingError
    from klinik.scheduling.models import AppointmentType, Resource

    close_old_connections()
    membership = Membership.objects.select_related("user", "organisation", "unit").get(
        pk=job["membership"]
    )
    try:
        appointment_book(
            actor=actor_from_membership(membership),
            patient=Patient.objects.get(pk=job["patient"]),
            appointment_type=AppointmentType.objects.get(pk=job["type"]),
            start=datetime.fromisoformat(job["start"]),
            practitioner=Resource.objects.get(pk=job["practitioner"]),
        )
    except BookingError as exc:
        return exc.code
    return "ok"


def walk_in(job: dict[str, Any]) -> int | str:
    """Register one walk-in at the job's moment ("now" as ISO); its queue number or the
    refusal's class name."""
    from datetime import datetime

    from django.db import close_old_connections
    from django.utils import timezone

    from klinik.core.models import Membership, Unit
    from klinik.core.services import actor_from_membership
    from klinik.scheduling.reception.services import walk_in_register

    close_old_connections()
    moment = datetime.fromisoformat(job["now"])
    timezone.now = lambda: moment  # the test's clock, in this process
    membership = Membership.objects.select_related("user", "organisation", "unit").get(
        pk=job["membership"]
    )
    try:
        appointment = walk_in_register(
            actor=actor_from_membership(membership),
            unit=Unit.objects.get(pk=job["unit"]),
            patient_public_id=job["patient"],
            appointment_type_public_id=job["type"],
        )
    except Exception as exc:  # reported to the test, which expects none
        return type(exc).__name__
    return appointment.queue_number


def waitlist_accept(job: dict[str, Any]) -> str:
    """Accept one waiting-list offer by its link's token; 'ok' or the refusal's code."""
    from django.db import close_old_connections

    from klinik.core.models import Unit
    from klinik.scheduling.errors import WaitlistError
    from klinik.scheduling.online.services import online_booking_actor
    from klinik.scheduling.waitlist import waitlist_offer_accept

    close_old_connections()
    unit = Unit.objects.select_related("organisation").get(pk=job["unit"])
    try:
        waitlist_offer_accept(actor=online_booking_actor(unit), token=job["token"])
    except WaitlistError as exc:
        return exc.code
    return "ok"
