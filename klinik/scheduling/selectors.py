"""Reads of the schedule: types, appointments of a day or week, a patient's next visit."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record, patient_list_log
from klinik.core.policy import Actor, Perm, require
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.choices import ACTIVE_STATUSES, AppointmentStatus
from klinik.scheduling.models import (
    Appointment,
    AppointmentResource,
    AppointmentSeries,
    AppointmentType,
    Resource,
)


def appointment_types_for(*, actor: Actor, unit_id: int | None = None) -> QuerySet[AppointmentType]:
    require(actor, Perm.SCHEDULE_VIEW)
    types = AppointmentType.objects.filter(
        organisation_id__in=actor.organisation_ids, is_active=True
    ).select_related("unit")
    if unit_id is not None:
        types = types.filter(unit_id=unit_id)
    return types.order_by("unit__name", "name")


def resources_for(*, actor: Actor, unit_id: int | None = None) -> QuerySet[Resource]:
    require(actor, Perm.SCHEDULE_VIEW)
    resources = Resource.objects.filter(
        organisation_id__in=actor.organisation_ids, is_active=True
    ).select_related("unit")
    if unit_id is not None:
        resources = resources.filter(unit_id=unit_id)
    return resources.order_by("unit__name", "kind", "sort_order", "name")


def local_day_bounds(day: date, days: int = 1) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=LOCAL)
    return start, datetime.combine(day + timedelta(days=days), time.min, tzinfo=LOCAL)


def appointments_between(
    *,
    actor: Actor,
    first: date,
    days: int = 1,
    unit_id: int | None = None,
    resource_ids: list[int] | None = None,
    channel: Channel = Channel.UI,
    include_cancelled: bool = False,
    with_walk_ins: bool = False,
) -> list[Appointment]:
    """Appointments of the period with patient, type and held resources (5 queries, 7 with
    walk-ins); with `resource_ids`, those holding one of them (and every walk-in, with
    `with_walk_ins`). Showing a schedule shows patients: one access-log entry per view."""
    appointments = appointments_between_query(
        actor=actor,
        first=first,
        days=days,
        unit_id=unit_id,
        resource_ids=resource_ids,
        include_cancelled=include_cancelled,
        with_walk_ins=with_walk_ins,
    )
    # Types and units are few and shared by thousands of rows: prefetched, each is one
    # object (a join would build one per row, the bulk of a full week's cost).
    result = holds_attach(
        list(
            appointments.select_related("patient")
            .prefetch_related("appointment_type", "unit")
            .order_by("start", "id")
        )
    )
    schedule_read_log(actor=actor, first=first, days=days, count=len(result), channel=channel)
    return result


def appointments_between_query(
    *,
    actor: Actor,
    first: date,
    days: int = 1,
    unit_id: int | None = None,
    resource_ids: list[int] | None = None,
    include_cancelled: bool = False,
    with_walk_ins: bool = False,
) -> QuerySet[Appointment]:
    """The appointments appointments_between reads, as a query, for a reader that needs
    only a few columns of thousands of rows (the reception board). The caller shows
    patients and so logs the read with schedule_read_log."""
    require(actor, Perm.SCHEDULE_VIEW)
    start, end = local_day_bounds(first, days)
    appointments = Appointment.objects.filter(
        organisation_id__in=actor.organisation_ids, start__gte=start, start__lt=end
    )
    if unit_id is not None:
        appointments = appointments.filter(unit_id=unit_id)
    if resource_ids is not None:
        held = AppointmentResource.objects.filter(
            resource_id__in=resource_ids, start__gte=start, start__lt=end
        ).values_list("appointment_id", flat=True)
        if with_walk_ins:
            # The ids first: an OR of the two makes PostgreSQL's planner expect hundreds of
            # rows where there are dozens, and walk the whole patient table to join them.
            walk_ins = appointments.filter(queue_number__isnull=False).values_list("pk", flat=True)
            appointments = appointments.filter(pk__in={*held, *walk_ins})
        else:
            appointments = appointments.filter(pk__in=held)
    if not include_cancelled:
        appointments = appointments.exclude(status=AppointmentStatus.CANCELLED)
    return appointments


def schedule_read_log(
    *, actor: Actor, first: date, days: int, count: int, channel: Channel
) -> None:
    """The one access-log entry for showing a schedule; filed under the schedule's
    organisation when the actor reads one clinic of a community."""
    only = next(iter(actor.organisation_ids)) if len(actor.organisation_ids) == 1 else None
    access_log_record(
        actor=actor,
        action=Action.VIEW,
        purpose=Purpose.ADMINISTRATION,
        channel=channel,
        object_type="schedule",
        reason=f"{first.isoformat()} +{days}d: {count} appointments",
        organisation_id=only,
    )


def holds_attach(appointments: list[Appointment]) -> list[Appointment]:
    """Load the holds of all these appointments in one query, each Resource once, into
    `Appointment.holds` (Django's prefetch of a reverse relation builds a queryset per
    appointment, which costs more than the rows themselves on a full week)."""
    by_appointment: dict[int, list[AppointmentResource]] = defaultdict(list)
    if appointments:
        holds = list(
            AppointmentResource.objects.filter(
                appointment_id__in=[a.pk for a in appointments]
            ).order_by("pk")
        )
        resources = Resource.objects.in_bulk({h.resource_id for h in holds})
        for hold in holds:
            hold.resource = resources[hold.resource_id]
            by_appointment[hold.appointment_id].append(hold)
    for appointment in appointments:
        appointment._holds = by_appointment[appointment.pk]
    return appointments


def by_resource(appointments: list[Appointment]) -> dict[int, list[Appointment]]:
    grouped: dict[int, list[Appointment]] = defaultdict(list)
    for appointment in appointments:
        for hold in appointment.holds:
            grouped[hold.resource_id].append(appointment)
    return grouped


def next_appointments(
    *, actor: Actor, patient_ids: list[int], channel: Channel = Channel.UI
) -> dict[int, Appointment]:
    """Each patient's next active appointment (for search results), within the actor's
    organisations; nothing for a role that does not see the schedule. One log entry."""
    if not actor.can(Perm.SCHEDULE_VIEW):
        return {}
    now = timezone.now()
    upcoming = (
        Appointment.objects.filter(
            organisation_id__in=actor.organisation_ids,
            patient_id__in=patient_ids,
            start__gte=now,
            status__in=ACTIVE_STATUSES,
        )
        .select_related("appointment_type")
        .order_by("patient_id", "start")
    )
    found: dict[int, Appointment] = {}
    for appointment in upcoming:
        found.setdefault(appointment.patient_id, appointment)
    patient_list_log(actor, "next_appointments", len(found), channel)
    return found


def patient_appointments(
    *, patient_id: int, past_days: int = 90, limit: int = 20
) -> list[Appointment]:
    """A patient's appointments from `past_days` ago onwards, soonest first (the caller has
    opened the patient through access_patient, which logged the read)."""
    since = timezone.now() - timedelta(days=past_days)
    return holds_attach(
        list(
            Appointment.objects.filter(patient_id=patient_id, start__gte=since)
            .select_related("appointment_type", "unit")
            .order_by("start")[:limit]
        )
    )


def series_appointments(*, actor: Actor, series: AppointmentSeries) -> list[Appointment]:
    """A series' occurrences in order, with patient, type, unit and holds: what the one who
    just booked it is shown (each booking was logged as it was written)."""
    require(actor, Perm.SCHEDULE_VIEW)
    return holds_attach(
        list(
            Appointment.objects.select_related("patient", "appointment_type", "unit")
            .filter(organisation_id__in=actor.organisation_ids, series=series)
            .order_by("series_index")
        )
    )
