"""The waiting list: patients waiting for a type of appointment with their wishes, and the free
times offered to them.

When a time frees up (a cancellation or a move commits; or a secretary offers a free time by
hand) the first `waitlist_offer_count` matching patients (the unit's setting) are offered it:
those whose consent lets an SMS reach them get one with an accept link (a random token; only
its hash is stored), the others are shown on the screen as patients to call. The first to
accept gets the time: the acceptance locks the opening's row and books through the booking
service in the same transaction, so two acceptances cannot both book, and the time must still
be free. The others are told it is taken. An offer holds for `waitlist_offer_hours` after its
message goes out (never past the time itself); an expired offer is read as expired, it needs
no sweep.

Messages go through the outbox, which sits above scheduling: `hooks.WAITLIST_MESSAGE`.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record, patient_list_log
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.patients.models import Patient
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.booking import BookingRequest, appointment_book_within
from klinik.scheduling.booking_rules import appointment_type_check, resources_choose
from klinik.scheduling.choices import (
    AppointmentStatus,
    BookedVia,
    ResourceKind,
    TimeOfDay,
    WaitlistOfferStatus,
    WaitlistOpeningStatus,
    WaitlistStatus,
)
from klinik.scheduling.errors import BookingError, WaitlistCode, WaitlistError
from klinik.scheduling.hooks import WaitlistMessage, notice_route, waitlist_message_queue
from klinik.scheduling.models import (
    Appointment,
    AppointmentEvent,
    AppointmentResource,
    AppointmentType,
    Resource,
    UnitSchedule,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistOpening,
)
from klinik.scheduling.reminders import format_when, patient_language

logger = logging.getLogger(__name__)

ACCEPT_PATH = "/venteliste/{token}/"
ALL_WEEKDAYS = 0b1111111
NOON = 12
# UnitSchedule's defaults, for units without a schedule row.
DEFAULT_OFFER_COUNT = 3
DEFAULT_OFFER_HOURS = 2
S = WaitlistOfferStatus


def weekdays_mask(days: list[int]) -> int:
    """[0, 2] (Monday, Wednesday) -> 0b101; no days -> 0 (any day)."""
    mask = 0
    for day in days:
        if not 0 <= day <= 6:
            raise WaitlistError(WaitlistError.WEEKDAYS, field="weekdays")
        mask |= 1 << day
    return mask if mask != ALL_WEEKDAYS else 0


def weekdays_list(mask: int) -> list[int]:
    return [day for day in range(7) if mask & (1 << day)]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def accept_link(token: str) -> str:
    return settings.KLINIK_PUBLIC_URL.rstrip("/") + ACCEPT_PATH.format(token=token)


def offer_state(offer: WaitlistOffer, now: datetime) -> str:
    """The offer's status as it stands now: an unanswered offer past its time is expired."""
    if offer.status in (S.SENT, S.CALL) and offer.expires_at <= now:
        return S.EXPIRED
    return offer.status


# The list -------------------------------------------------------------------------------------


def _entry_log(actor: Actor, entry: WaitlistEntry, action: Action, channel: Channel) -> None:
    access_log_record(
        actor=actor,
        action=action,
        purpose=Purpose.ADMINISTRATION,
        channel=channel,
        object_type="waitlist_entry",
        object_id=entry.public_id,
        patient_id=entry.patient.public_id,
        organisation_id=entry.organisation_id,
    )


def _wishes_check(
    appointment_type: AppointmentType,
    practitioner: Resource | None,
    earliest: date | None,
    latest: date | None,
    time_of_day: str,
) -> None:
    if practitioner is not None and (
        practitioner.unit_id != appointment_type.unit_id
        or practitioner.kind != ResourceKind.PRACTITIONER
    ):
        raise WaitlistError(WaitlistError.PRACTITIONER, field="practitioner")
    if earliest and latest and latest < earliest:
        raise WaitlistError(WaitlistError.LATEST_BEFORE_EARLIEST, field="latest")
    if time_of_day not in TimeOfDay.values:
        raise WaitlistError(WaitlistError.TIME_OF_DAY, field="time_of_day")


def waitlist_add(
    *,
    actor: Actor,
    patient: Patient,
    appointment_type: AppointmentType,
    practitioner: Resource | None = None,
    earliest: date | None = None,
    latest: date | None = None,
    weekdays: int = 0,
    time_of_day: str = TimeOfDay.ANY,
    note: str = "",
    channel: Channel = Channel.UI,
) -> WaitlistEntry:
    """Put the patient on the unit's waiting list for the type, with their wishes."""
    require(actor, Perm.SCHEDULE_BOOK)
    appointment_type_check(actor, appointment_type, patient, BookedVia.STAFF)
    _wishes_check(appointment_type, practitioner, earliest, latest, time_of_day)
    if not 0 <= weekdays <= ALL_WEEKDAYS:
        raise WaitlistError(WaitlistError.WEEKDAYS, field="weekdays")
    with transaction.atomic(durable=True):
        entry = WaitlistEntry.objects.create(
            organisation_id=appointment_type.organisation_id,
            unit_id=appointment_type.unit_id,
            patient=patient,
            appointment_type=appointment_type,
            practitioner=practitioner,
            earliest=earliest,
            latest=latest,
            weekdays=0 if weekdays == ALL_WEEKDAYS else weekdays,
            time_of_day=time_of_day,
            note=note.strip()[:300],
        )
        _entry_log(actor, entry, Action.CREATE, channel)
    return entry


def access_waitlist_entry(*, actor: Actor, unit: Unit, public_id: object) -> WaitlistEntry:
    """One entry of the unit's list; the same 404 for missing and not the actor's."""
    require(actor, Perm.SCHEDULE_VIEW)
    try:
        entry = (
            WaitlistEntry.objects.select_related("patient")
            .filter(organisation_id__in=actor.organisation_ids, unit=unit)
            .get(public_id=uuid.UUID(str(public_id)))
        )
    except (WaitlistEntry.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    return entry


def waitlist_close(
    *, actor: Actor, entry: WaitlistEntry, status: str, channel: Channel = Channel.UI
) -> WaitlistEntry:
    """Take the entry off the list: removed, or done (the patient got a time another way)."""
    require(actor, Perm.SCHEDULE_BOOK)
    if status not in (WaitlistStatus.REMOVED, WaitlistStatus.BOOKED):
        raise WaitlistError(WaitlistError.BAD_STATUS, field="status")
    with transaction.atomic(durable=True):
        locked = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.status == WaitlistStatus.WAITING:
            locked.status = status
            locked.save(update_fields=["status"])
            # Unanswered offers die with the entry.
            locked.offers.filter(status__in=[S.SENT, S.CALL]).update(
                status=S.EXPIRED, answered_at=timezone.now()
            )
        locked.patient = entry.patient
        _entry_log(actor, locked, Action.UPDATE, channel)
    return locked


def waitlist_entries(
    *,
    actor: Actor,
    unit: Unit,
    appointment_type: AppointmentType | None = None,
    practitioner: Resource | None = None,
    channel: Channel = Channel.UI,
) -> list[WaitlistEntry]:
    """The unit's waiting patients, first come first, with their offers (newest first).
    One access-log entry for the list."""
    require(actor, Perm.SCHEDULE_VIEW)
    entries: QuerySet[WaitlistEntry] = WaitlistEntry.objects.filter(
        organisation_id__in=actor.organisation_ids,
        unit=unit,
        status=WaitlistStatus.WAITING,
    )
    if appointment_type is not None:
        entries = entries.filter(appointment_type=appointment_type)
    if practitioner is not None:
        entries = entries.filter(Q(practitioner=practitioner) | Q(practitioner__isnull=True))
    offers = WaitlistOffer.objects.select_related("opening").order_by("-id")
    found = list(
        entries.select_related("patient", "appointment_type", "practitioner")
        .prefetch_related(Prefetch("offers", queryset=offers))
        .order_by("created_at", "id")
    )
    patient_list_log(actor, "waitlist", len(found), channel)
    return found


# Matching and offering ------------------------------------------------------------------------


def entry_matches(entry: WaitlistEntry, start: datetime, practitioner_id: int | None) -> bool:
    """Whether the time fits the entry's wishes (days, weekdays, time of day, practitioner)."""
    local = timezone.localtime(start, LOCAL)
    day = local.date()
    if entry.earliest and day < entry.earliest:
        return False
    if entry.latest and day > entry.latest:
        return False
    if entry.weekdays and not entry.weekdays & (1 << day.weekday()):
        return False
    if entry.time_of_day == TimeOfDay.MORNING and local.hour >= NOON:
        return False
    if entry.time_of_day == TimeOfDay.AFTERNOON and local.hour < NOON:
        return False
    return not (entry.practitioner_id and entry.practitioner_id != practitioner_id)


def _candidates(
    appointment_type: AppointmentType,
    start: datetime,
    practitioner_id: int | None,
    excluded_patient_id: int | None,
    now: datetime,
    offered_before: QuerySet[WaitlistOffer] | None = None,
) -> list[WaitlistEntry]:
    """Waiting entries for the type whose wishes fit, first come first, without those who
    hold an unanswered offer already (and those offered `offered_before`)."""
    busy = WaitlistOffer.objects.filter(
        organisation_id=appointment_type.organisation_id,
        status__in=[S.SENT, S.CALL],
        expires_at__gt=now,
    ).values("entry_id")
    entries = (
        WaitlistEntry.objects.select_for_update()
        .filter(
            organisation_id=appointment_type.organisation_id,
            unit_id=appointment_type.unit_id,
            appointment_type=appointment_type,
            status=WaitlistStatus.WAITING,
        )
        .exclude(pk__in=busy)
        .order_by("created_at", "id")
    )
    if excluded_patient_id is not None:
        entries = entries.exclude(patient_id=excluded_patient_id)
    if offered_before is not None:
        entries = entries.exclude(pk__in=offered_before.values("entry_id"))
    return [e for e in entries if entry_matches(e, start, practitioner_id)]


@dataclass(frozen=True)
class OfferRules:
    count: int
    hours: int


def offer_rules(unit_id: int) -> OfferRules:
    schedule = UnitSchedule.objects.filter(unit_id=unit_id).first()
    if schedule is None:
        return OfferRules(DEFAULT_OFFER_COUNT, DEFAULT_OFFER_HOURS)
    return OfferRules(schedule.waitlist_offer_count, schedule.waitlist_offer_hours)


def _offer_context(opening: WaitlistOpening, patient: Patient, link: str) -> dict[str, str]:
    with translation.override(patient_language(patient.language)):
        return {
            "when": format_when(opening.start),
            "unit": opening.unit.name,
            "type": opening.appointment_type.name,
            "link": link,
        }


def _offer_make(opening: WaitlistOpening, entry: WaitlistEntry, rules: OfferRules) -> None:
    now = timezone.now()
    route = notice_route(entry.patient)
    if route is None or route.channel != "sms":
        # No consent to SMS (or no number): the secretary calls.
        WaitlistOffer.objects.create(
            organisation_id=opening.organisation_id,
            opening=opening,
            entry=entry,
            status=S.CALL,
            expires_at=opening.start,
        )
        return
    token = secrets.token_urlsafe(32)
    goes = waitlist_message_queue(
        WaitlistMessage(
            patient=entry.patient,
            organisation_id=opening.organisation_id,
            unit_id=opening.unit_id,
            kind="waitlist_offer",
            context=_offer_context(opening, entry.patient, accept_link(token)),
        )
    )
    sent_at = goes or now
    WaitlistOffer.objects.create(
        organisation_id=opening.organisation_id,
        opening=opening,
        entry=entry,
        token_hash=token_hash(token),
        status=S.SENT,
        sent_at=sent_at,
        expires_at=min(sent_at + timedelta(hours=rules.hours), opening.start),
    )


def waitlist_opening_offer(
    *,
    appointment_type: AppointmentType,
    start: datetime,
    practitioner: Resource | None = None,
    freed: Appointment | None = None,
    actor: Actor | None = None,
) -> WaitlistOpening | None:
    """Offer a free time to the first matching patients on the list; None when nobody fits.
    `actor`: the secretary offering by hand (checked and logged); None for the automatic
    offer after a cancellation or move."""
    if actor is not None:
        require(actor, Perm.SCHEDULE_BOOK)
        if appointment_type.organisation_id not in actor.organisation_ids:
            raise Http404
    if start <= timezone.now():
        raise WaitlistError(BookingError.PAST, field="start")
    with transaction.atomic(durable=True):
        return _opening_offer_within(appointment_type, start, practitioner, freed, actor)


def _opening_offer_within(
    appointment_type: AppointmentType,
    start: datetime,
    practitioner: Resource | None,
    freed: Appointment | None,
    actor: Actor | None,
) -> WaitlistOpening | None:
    """The offer, inside the caller's transaction."""
    rules = offer_rules(appointment_type.unit_id)
    entries = _candidates(
        appointment_type,
        start,
        practitioner.pk if practitioner else None,
        freed.patient_id if freed else None,
        timezone.now(),
    )[: rules.count]
    if not entries:
        return None
    opening = WaitlistOpening.objects.create(
        organisation_id=appointment_type.organisation_id,
        unit_id=appointment_type.unit_id,
        appointment_type=appointment_type,
        practitioner=practitioner,
        start=start,
        freed_appointment=freed,
    )
    patients = {p.pk: p for p in Patient.objects.filter(pk__in=[e.patient_id for e in entries])}
    for entry in entries:
        entry.patient = patients[entry.patient_id]
        _offer_make(opening, entry, rules)
        if actor is not None:
            _entry_log(actor, entry, Action.UPDATE, Channel.UI)
    return opening


def _practitioner_of(appointment: Appointment) -> Resource | None:
    return Resource.objects.filter(
        pk__in=AppointmentResource.objects.filter(appointment=appointment).values("resource_id"),
        kind=ResourceKind.PRACTITIONER,
    ).first()


def waitlist_time_freed(appointment: Appointment, event: str) -> None:
    """hooks.APPOINTMENT_CHANGED (run by the worker, the appointment locked; a failure is
    rolled back and logged there): a cancelled appointment's time, or a moved one's old time,
    is offered to the list."""
    if event not in ("cancelled", "moved"):
        return
    start = appointment.start
    if event == "cancelled" and appointment.status != AppointmentStatus.CANCELLED:
        return
    if event == "moved":
        moved = (
            AppointmentEvent.objects.filter(appointment=appointment, kind="moved")
            .order_by("-at", "-id")
            .first()
        )
        if moved is None or moved.from_start is None:
            return
        start = moved.from_start
    if start <= timezone.now():
        return
    _opening_offer_within(
        appointment.appointment_type, start, _practitioner_of(appointment), appointment, None
    )


# Offered again ---------------------------------------------------------------------------------

REOFFER_EVERY = timedelta(minutes=15)
# A time starting sooner is not offered again: a patient could hardly answer and come.
REOFFER_LEAD = timedelta(hours=2)


def _live_offers(now: datetime) -> Q:
    """Offers still waiting for an answer: a link not yet expired, or a patient to call."""
    return Q(status=S.CALL) | Q(status=S.SENT, expires_at__gt=now)


def waitlist_reoffer(*, now: datetime | None = None) -> int:
    """Openings whose offers all ran out unanswered are offered to the next patients on the
    list whose wishes fit, when the time is still free and far enough ahead. Run by the
    periodic task; returns how many openings were offered again."""
    now = now or timezone.now()
    stale = (
        WaitlistOpening.objects.filter(
            status=WaitlistOpeningStatus.OPEN, start__gt=now + REOFFER_LEAD
        )
        .exclude(Exists(WaitlistOffer.objects.filter(_live_offers(now), opening=OuterRef("pk"))))
        .order_by("start")
        .values_list("pk", flat=True)
    )
    offered = 0
    for opening_id in list(stale[:200]):
        with transaction.atomic(durable=True):
            opening = (
                WaitlistOpening.objects.select_for_update(of=("self",))
                .select_related("appointment_type", "practitioner", "unit", "freed_appointment")
                .get(pk=opening_id)
            )
            if (
                opening.status != WaitlistOpeningStatus.OPEN
                or opening.offers.filter(_live_offers(now)).exists()
            ):
                continue  # accepted or offered meanwhile
            if _opening_offer_again(opening, now):
                offered += 1
    return offered


def _opening_offer_again(opening: WaitlistOpening, now: datetime) -> bool:
    appointment_type = opening.appointment_type
    hold_start, hold_end = appointment_type.hold_span(opening.start)
    try:
        resources_choose(
            appointment_type, hold_start, hold_end, opening.practitioner, overbook=False
        )
    except BookingError:
        return False  # booked meanwhile, or no longer open
    rules = offer_rules(appointment_type.unit_id)
    entries = _candidates(
        appointment_type,
        opening.start,
        opening.practitioner_id,
        opening.freed_appointment.patient_id if opening.freed_appointment else None,
        now,
        offered_before=opening.offers.all(),
    )[: rules.count]
    patients = {p.pk: p for p in Patient.objects.filter(pk__in=[e.patient_id for e in entries])}
    for entry in entries:
        entry.patient = patients[entry.patient_id]
        _offer_make(opening, entry, rules)
    return bool(entries)


# The patient's answer -------------------------------------------------------------------------


def waitlist_offer_by_token(token: str) -> WaitlistOffer:
    """The offer behind an accept link; one refusal for a made-up or mistyped token."""
    offer = (
        WaitlistOffer.objects.select_related(
            "opening__unit", "opening__appointment_type", "opening__practitioner"
        )
        .filter(token_hash=token_hash(token))
        .exclude(token_hash="")
        .first()
    )
    if offer is None:
        raise WaitlistError(WaitlistError.NOT_FOUND, code=WaitlistCode.NOT_FOUND)
    return offer


def waitlist_offer_accept(*, actor: Actor, token: str) -> Appointment:
    """Book the offered time for the patient behind the link: the first acceptance of an
    opening wins; a later one, an expired one or one whose time is gone is refused with one
    neutral message and changes nothing. `actor`: the clinic's service user for public pages.
    """
    offer = waitlist_offer_by_token(token)
    now = timezone.now()
    try:
        with transaction.atomic(durable=True):
            # The one lock: acceptances of one opening are decided one after the other.
            opening = (
                WaitlistOpening.objects.select_for_update(of=("self",))
                .select_related("appointment_type", "practitioner", "unit")
                .get(pk=offer.opening_id)
            )
            offer = WaitlistOffer.objects.select_related("entry__patient").get(pk=offer.pk)
            if opening.status != WaitlistOpeningStatus.OPEN or offer_state(offer, now) != S.SENT:
                raise WaitlistError(WaitlistError.UNAVAILABLE, code=WaitlistCode.UNAVAILABLE)
            entry = offer.entry
            appointment = appointment_book_within(
                actor=actor,
                request=BookingRequest(
                    entry.patient, opening.appointment_type, opening.start, opening.practitioner
                ),
            )
            offer.status, offer.answered_at = S.ACCEPTED, now
            offer.save(update_fields=["status", "answered_at"])
            opening.status, opening.booked_appointment = WaitlistOpeningStatus.FILLED, appointment
            opening.save(update_fields=["status", "booked_appointment"])
            entry.status = WaitlistStatus.BOOKED
            entry.offered_appointment = appointment
            entry.save(update_fields=["status", "offered_appointment"])
            _others_told(opening, now)
    except (BookingError, IntegrityError) as exc:
        # The time was booked meanwhile (or the acceptance lost a race): nothing was written.
        raise WaitlistError(WaitlistError.UNAVAILABLE, code=WaitlistCode.UNAVAILABLE) from exc
    return appointment


def _others_told(opening: WaitlistOpening, now: datetime) -> None:
    """The other patients offered the time: taken; those with a live link get a message."""
    others = list(
        opening.offers.filter(status__in=[S.SENT, S.CALL]).select_related("entry__patient")
    )
    for other in others:
        if other.status == S.SENT and other.expires_at > now:
            patient = other.entry.patient
            waitlist_message_queue(
                WaitlistMessage(
                    patient=patient,
                    organisation_id=opening.organisation_id,
                    unit_id=opening.unit_id,
                    kind="waitlist_taken",
                    context=_offer_context(opening, patient, ""),
                )
            )
        other.status, other.answered_at = S.TAKEN, now
        other.save(update_fields=["status", "answered_at"])
