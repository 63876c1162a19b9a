"""Booking writes: book one appointment, book inside a caller's transaction, move.

No double booking: each booking checks and writes inside one durable transaction. On SQLite
that transaction is IMMEDIATE, so it holds the write lock from its first statement and the
check cannot be overtaken; on PostgreSQL the exclusion constraint on AppointmentResource
refuses an overlapping hold even if two checks ran at once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models.sql.subqueries import InsertQuery
from django.utils import timezone

from klinik.audit.choices import Action, Channel
from klinik.core.policy import Actor, Perm, require
from klinik.patients.models import Patient
from klinik.scheduling.booking_rules import (
    alternatives,
    appointment_type_check,
    group_session_find,
    resources_choose,
)
from klinik.scheduling.choices import AppointmentStatus, BookedVia, ResourceKind
from klinik.scheduling.errors import BookingCode, BookingError
from klinik.scheduling.history import appointment_access_log, appointment_event_add
from klinik.scheduling.models import (
    Appointment,
    AppointmentEvent,
    AppointmentResource,
    AppointmentSeries,
    AppointmentType,
    Resource,
)
from klinik.scheduling.notify import appointment_changed


def _hold(appointment: Appointment, resources: tuple[Resource, ...], start: datetime) -> None:
    """Write the holds from `start` (the buffer before the appointment) to its block end, and
    keep them on the appointment (`holds` reads no more)."""
    appointment._holds = AppointmentResource.objects.bulk_create(
        AppointmentResource(
            organisation_id=appointment.organisation_id,
            appointment=appointment,
            resource=resource,
            start=start,
            block_end=appointment.block_end,
            session_key=appointment.session_key,
            is_overbooked=appointment.is_overbooked,
        )
        for resource in resources
    )


_INSERTED = tuple(f for f in Appointment._meta.local_concrete_fields if not f.primary_key)


@functools.cache
def _appointment_insert_sql(vendor: str) -> str:
    del vendor  # keys the cache: quoting is the backend's
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in _INSERTED)  # type: ignore[arg-type]
    values = ", ".join(["%s"] * len(_INSERTED))
    return f"INSERT INTO {quote(Appointment._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608


def _appointment_insert(appointment: Appointment) -> tuple[str, list[Any]]:
    """The appointment's INSERT as Django's compiler writes it (each field's pre-save and
    database value), the statement written once: compiling it cost as much as running it. A
    value the database makes (an expression, a database default) goes through the compiler."""
    params = [f.pre_save(appointment, True) for f in _INSERTED]
    if any(hasattr(value, "resolve_expression") for value in params):
        query = InsertQuery(Appointment)
        query.insert_values(list(_INSERTED), [appointment])
        ((insert, compiled),) = query.get_compiler(connection=connection).as_sql()
        return insert, list(compiled)
    prepared = [f.get_db_prep_save(v, connection) for f, v in zip(_INSERTED, params, strict=True)]
    return _appointment_insert_sql(connection.vendor), prepared


def _booked_together(
    appointment: Appointment, resources: tuple[Resource, ...], start: datetime, by_id: int | None
) -> None:
    """PostgreSQL: the appointment, its holds and its "booked" event in one statement (one
    round trip instead of three; ADR 0037). The exclusion constraint checks the holds as they
    are inserted, so a taken time fails the statement with an IntegrityError as before."""
    insert, params = _appointment_insert(appointment)
    hold, event = AppointmentResource._meta, AppointmentEvent._meta
    quote = connection.ops.quote_name
    # Table names from the models; every value a parameter.
    sql = (
        f"WITH a AS ({insert} RETURNING id), "  # noqa: S608
        f"h AS (INSERT INTO {quote(hold.db_table)} (organisation_id, appointment_id, "
        "resource_id, start, block_end, session_key, holds_time, is_overbooked) "
        "SELECT %s, a.id, r.id, %s, %s, %s, TRUE, %s FROM a, "
        "unnest(%s::bigint[]) WITH ORDINALITY AS r(id, n) ORDER BY r.n RETURNING id), "
        f"e AS (INSERT INTO {quote(event.db_table)} (organisation_id, appointment_id, at, "
        "by_id, kind, from_status, to_status, from_start, to_start, reason) "
        "SELECT %s, a.id, %s, %s, 'booked', '', %s, NULL, %s, '' FROM a) "
        "SELECT (SELECT id FROM a), ARRAY(SELECT id FROM h ORDER BY id)"
    )
    organisation_id = appointment.organisation_id
    params = [
        *params,
        organisation_id,
        start,
        appointment.block_end,
        appointment.session_key,
        appointment.is_overbooked,
        [r.pk for r in resources],
        organisation_id,
        timezone.now(),
        by_id,
        AppointmentStatus.BOOKED.value,
        appointment.start,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        appointment.pk, hold_ids = cursor.fetchone()
    appointment._state.adding = False
    appointment._state.db = connection.alias
    appointment._holds = [
        AppointmentResource(
            pk=hold_id,
            organisation_id=organisation_id,
            appointment=appointment,
            resource=resource,
            start=start,
            block_end=appointment.block_end,
            session_key=appointment.session_key,
            is_overbooked=appointment.is_overbooked,
        )
        for hold_id, resource in zip(hold_ids, resources, strict=True)
    ]
    for held in appointment._holds:
        held._state.adding = False
        held._state.db = connection.alias


@dataclass(frozen=True)
class BookingRequest:
    patient: Patient
    appointment_type: AppointmentType
    start: datetime
    practitioner: Resource | None = None
    overbook: bool = False
    note: str = ""
    room: Resource | None = None


def booking_write(
    actor: Actor | None,
    request: BookingRequest,
    *,
    via: BookedVia,
    channel: Channel,
    booked_by_actor: Actor,
    series: AppointmentSeries | None = None,
    series_index: int | None = None,
) -> Appointment:
    """Check and write one booking; the caller holds the transaction."""
    appointment_type = request.appointment_type
    start = request.start
    end = start + timedelta(minutes=appointment_type.duration_minutes)
    hold_start, block_end = appointment_type.hold_span(start)
    session = group_session_find(appointment_type, start) if appointment_type.is_group else None
    resources = resources_choose(
        appointment_type,
        hold_start,
        block_end,
        request.practitioner,
        overbook=request.overbook,
        session=session,
        room=request.room,
    )
    appointment = Appointment(
        organisation_id=appointment_type.organisation_id,
        unit=appointment_type.unit,
        appointment_type=appointment_type,
        patient=request.patient,
        start=start,
        end=end,
        block_end=block_end,
        is_overbooked=request.overbook,
        booked_via=via,
        booked_by=actor.user if actor is not None else None,
        note=request.note[:300],
        series=series,
        series_index=series_index,
    )
    if session is not None:
        appointment.session_key = session.session_key
    if connection.vendor == "postgresql":
        _booked_together(appointment, resources, hold_start, actor.user.pk if actor else None)
    else:  # in-process SQLite: a round trip costs next to nothing
        appointment.save()
        _hold(appointment, resources, hold_start)
        appointment_event_add(
            appointment, actor, "booked", to_status=AppointmentStatus.BOOKED, to_start=start
        )
    appointment_access_log(booked_by_actor, Action.CREATE, appointment, channel)
    appointment_changed(appointment, "booked")
    return appointment


def appointment_book(
    *,
    actor: Actor,
    patient: Patient,
    appointment_type: AppointmentType,
    start: datetime,
    practitioner: Resource | None = None,
    overbook: bool = False,
    note: str = "",
    via: BookedVia = BookedVia.STAFF,
    channel: Channel = Channel.UI,
    room: Resource | None = None,
) -> Appointment:
    """Book one appointment, or raise BookingError with the reason and free alternatives.

    `room`: a room (or other non-practitioner resource) chosen instead of the automatic
    choice; it must be one the type needs, in the unit, and free (code "room_unfit" when it
    does not fit, "taken" when it is booked).
    """
    require(actor, Perm.SCHEDULE_BOOK)
    appointment_type_check(actor, appointment_type, patient, via)
    if start < timezone.now():
        raise BookingError(
            BookingError.PAST,
            code=BookingCode.PAST,
            alternatives=alternatives(appointment_type, start, practitioner, room),
        )
    request = BookingRequest(
        patient, appointment_type, start, practitioner, overbook, note, room=room
    )
    try:
        for _attempt in range(2):
            try:
                with transaction.atomic(durable=True):
                    return booking_write(
                        actor if via != BookedVia.ONLINE else None,
                        request,
                        via=via,
                        channel=channel,
                        booked_by_actor=actor,
                    )
            except IntegrityError:
                # PostgreSQL's exclusion constraint: someone took a resource meanwhile. With
                # a fixed practitioner and a single candidate per need, trying again is moot.
                continue
        raise BookingError(BookingError.TAKEN, code=BookingCode.TAKEN)
    except BookingError as exc:
        if exc.code in {
            BookingCode.TAKEN,
            BookingCode.OUTSIDE_HOURS,
            BookingCode.CLOSED,
            BookingCode.GROUP_FULL,
        }:
            exc.alternatives = alternatives(appointment_type, start, practitioner, room)
        raise


def appointment_book_within(
    *, actor: Actor, request: BookingRequest, channel: Channel = Channel.UI
) -> Appointment:
    """Book inside the caller's transaction, for a service that writes more in the same one
    (a walk-in's queue number and arrival). The checks of appointment_book, without its retry
    and alternatives: the caller's transaction rolls back on BookingError or IntegrityError."""
    require(actor, Perm.SCHEDULE_BOOK)
    appointment_type_check(actor, request.appointment_type, request.patient, BookedVia.STAFF)
    if request.start < timezone.now():
        raise BookingError(BookingError.PAST, code=BookingCode.PAST)
    return booking_write(
        actor, request, via=BookedVia.STAFF, channel=channel, booked_by_actor=actor
    )


def appointment_move(
    *,
    actor: Actor,
    appointment: Appointment,
    start: datetime,
    practitioner: Resource | None = None,
    channel: Channel = Channel.UI,
    room: Resource | None = None,
    notify: bool = True,
) -> Appointment:
    """Move to a new time (and optionally practitioner and room); the old time is freed.
    Without a room the schedule chooses one, as when booking. `notify`: whether the patient
    is told of the new time (ADR 0034)."""
    require(actor, Perm.SCHEDULE_BOOK)
    if appointment.status != AppointmentStatus.BOOKED:
        raise BookingError(
            BookingError.BAD_STATUS % {"from": appointment.get_status_display(), "to": "moved"},
            code=BookingCode.BAD_STATUS,
        )
    if start < timezone.now():
        raise BookingError(BookingError.PAST, code=BookingCode.PAST)
    appointment_type = appointment.appointment_type
    if practitioner is None:
        practitioner = Resource.objects.filter(
            pk__in=AppointmentResource.objects.filter(appointment=appointment).values(
                "resource_id"
            ),
            kind=ResourceKind.PRACTITIONER,
        ).first()
    try:
        with transaction.atomic(durable=True):
            locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
            appointment_move_within(
                actor,
                locked,
                start,
                practitioner=practitioner,
                room=room,
                channel=channel,
                notify=notify,
            )
    except IntegrityError as exc:
        raise BookingError(
            BookingError.TAKEN,
            code=BookingCode.TAKEN,
            alternatives=alternatives(appointment_type, start, practitioner, room),
        ) from exc
    except BookingError as exc:
        if exc.code != BookingCode.ROOM_UNFIT:
            exc.alternatives = alternatives(appointment_type, start, practitioner, room)
        raise
    return locked


def appointment_move_within(
    actor: Actor,
    locked: Appointment,
    start: datetime,
    *,
    practitioner: Resource | None,
    room: Resource | None = None,
    channel: Channel = Channel.UI,
    notify: bool = True,
) -> None:
    """Move a locked appointment inside the caller's transaction (a series moves several in
    one): the resources are chosen anew, its own holds ignored; BookingError when there are
    none, and the caller's transaction rolls back."""
    appointment_type = locked.appointment_type
    end = start + timedelta(minutes=appointment_type.duration_minutes)
    hold_start, block_end = appointment_type.hold_span(start)
    resources = resources_choose(
        appointment_type,
        hold_start,
        block_end,
        practitioner,
        overbook=False,
        ignore_appointment_id=locked.pk,
        room=room,
    )
    old_start = locked.start
    AppointmentResource.objects.filter(appointment=locked).delete()
    locked.start, locked.end, locked.block_end = start, end, block_end
    locked.notifies_patient = notify
    locked.save(update_fields=["start", "end", "block_end", "notifies_patient"])
    _hold(locked, resources, hold_start)
    appointment_event_add(locked, actor, "moved", from_start=old_start, to_start=start)
    appointment_access_log(actor, Action.UPDATE, locked, channel, "moved")
    appointment_changed(locked, "moved")
