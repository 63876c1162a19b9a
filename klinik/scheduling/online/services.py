"""Online self-booking: a public page per unit where patients choose a type and a free time,
say who they are and book; and the patient's own link to cancel or move an appointment.

Nothing here may show who else is booked: slots carry only times and the practitioner's name.

Who acts: bookings made by an anonymous visitor are written by the services like any other,
so they need an Actor. Each organisation gets a service user, ``online-booking-<slug>``,
created on first use, inactive with an unusable password (it can never log in), and the
actor built for it holds only what booking needs: PATIENT_VIEW (find the patient by CPR),
PATIENT_EDIT (register a new patient) and SCHEDULE_BOOK. It has no unit, so the patient
door does not ask it to break the glass for a patient of a neighbouring unit: the lawful
basis of every read is the patient's own request, which is what the access log records.
Every booking, registration and cancellation is thereby logged under that user.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.core import signing
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.choices import Role
from klinik.core.models import Organisation, Unit, User
from klinik.core.policy import Actor, Perm
from klinik.core.ratelimit import rate_limit_hit
from klinik.patients.access import access_patient
from klinik.patients.errors import PatientDuplicate, PatientInvalid
from klinik.patients.identifiers import parse_identifier
from klinik.patients.models import Patient
from klinik.patients.selectors import patient_search
from klinik.patients.services import patient_register, patient_update
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.booking import appointment_book, appointment_move
from klinik.scheduling.choices import AppointmentStatus, BookedVia, ResourceKind
from klinik.scheduling.errors import BookingCode, BookingError
from klinik.scheduling.models import Appointment, AppointmentType, Resource, UnitSchedule
from klinik.scheduling.online.errors import OnlineError
from klinik.scheduling.online.identity import (
    Identity,
    contact_checked,
    name_checked,
    names_match,
)
from klinik.scheduling.online.notices import (
    OnlineNotice,
    booked_notice,
    consent_to_store,
    contact_note,
    online_notice,
)
from klinik.scheduling.reminders import MANAGE_SALT
from klinik.scheduling.reminders import manage_token as sign_manage_token
from klinik.scheduling.slots import find_slots
from klinik.scheduling.transitions import appointment_cancel

# What a visitor typed between "identify" and "confirm", signed into the confirm form.
PENDING_SALT = "klinik.online-booking.pending"
PENDING_MAX_AGE = 30 * 60
# Times offered: from an hour from now, a week at a time.
EARLIEST = timedelta(hours=1)
SLOT_DAYS = 7
SLOTS_LIMIT = 1000  # a week of a busy unit's 5-minute grid stays well below
DEFAULT_DAYS_AHEAD = 365  # UnitSchedule's default: times offered up to a year ahead
SLOT_FORMAT = "%Y%m%dT%H%MZ"  # a slot's time in URLs: UTC, to the minute
# Public POSTs per client address and hour.
RATE_LIMITS: dict[str, int] = {"identify": 30, "book": 10, "manage": 30, "waitlist": 30}
RATE_WINDOW_SECONDS = 3600
DEFAULT_CANCEL_HOURS = 24  # UnitSchedule's default, for units without a schedule row
ONLINE_PERMISSIONS = frozenset({Perm.PATIENT_VIEW, Perm.PATIENT_EDIT, Perm.SCHEDULE_BOOK})


# The acting service user -------------------------------------------------------------------


def online_booking_user(organisation: Organisation) -> User:
    """The organisation's service user for online booking, made on first use."""
    user, _created = User.objects.get_or_create(
        username=f"online-booking-{organisation.slug}",
        defaults={
            "first_name": "Online booking",
            "last_name": organisation.name[:150],
            "is_active": False,
            "password": make_password(None),
        },
    )
    return user


def online_booking_actor(unit: Unit) -> Actor:
    organisation = unit.organisation
    return Actor(
        user=online_booking_user(organisation),
        role=Role.SECRETARY,
        membership_id=0,
        organisation=organisation,
        unit=None,
        community=None,
        organisation_ids=frozenset({organisation.pk}),
        permissions=ONLINE_PERMISSIONS,
    )


# Rate limits ----------------------------------------------------------------------------------


def rate_limit_allows(kind: str, client: str) -> bool:
    """Count one public POST of `kind` from `client`; False once over the hour's limit.
    Counted atomically in the database (core.ratelimit; the address is hashed, never stored):
    of any number of concurrent attempts, at most the limit get through."""
    return rate_limit_hit(
        scope=f"online:{kind}",
        client=client,
        limit=RATE_LIMITS[kind],
        window=timedelta(seconds=RATE_WINDOW_SECONDS),
    )


# The unit, its types and free times ---------------------------------------------------------


def online_unit(key: str) -> Unit:
    """An active unit that offers at least one type online, by its booking address (slug) or
    its public id (the links made before units had an address); 404 otherwise."""
    try:
        lookup: dict[str, object] = {"public_id": uuid.UUID(key)}
    except ValueError:
        lookup = {"slug": key}
    unit = (
        Unit.objects.select_related("organisation")
        .filter(**lookup, is_active=True, organisation__is_active=True)
        .first()
    )
    if unit is None or not online_types(unit).exists():
        raise Http404
    return unit


def online_types(unit: Unit) -> QuerySet[AppointmentType]:
    return AppointmentType.objects.filter(
        organisation_id=unit.organisation_id, unit=unit, is_active=True, bookable_online=True
    ).order_by("name")


def online_type(unit: Unit, public_id: object) -> AppointmentType:
    found = online_types(unit).filter(public_id=_uuid(public_id)).first()
    if found is None:
        raise Http404
    return found


def _uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class OnlineSlot:
    """A free time as the public sees it: when, and with whom. Nothing else."""

    start: datetime
    end: datetime
    practitioner_id: uuid.UUID | None
    practitioner_name: str

    @property
    def key(self) -> str:
        return self.start.astimezone(UTC).strftime(SLOT_FORMAT)


@dataclass(frozen=True)
class SlotDay:
    day: date
    slots: list[OnlineSlot]


def online_slots(
    appointment_type: AppointmentType, *, first_day: date | None = None
) -> tuple[list[SlotDay], date]:
    """Free times of one week from `first_day` (or from an hour from now), by day; and the
    first day of the next week."""
    earliest = timezone.now() + EARLIEST
    start = earliest
    if first_day is not None:
        start = max(earliest, datetime.combine(first_day, time.min, tzinfo=LOCAL))
    week_start = timezone.localtime(start, LOCAL).date()
    next_week = week_start + timedelta(days=SLOT_DAYS)
    end = min(next_week, online_last_day(appointment_type.unit_id) + timedelta(days=1))
    found = (
        find_slots(
            appointment_type=appointment_type,
            start=start,
            end=datetime.combine(end, time.min, tzinfo=LOCAL),
            limit=SLOTS_LIMIT,
        )
        if end > week_start
        else []
    )
    days: dict[date, list[OnlineSlot]] = {}
    for slot in found:
        practitioner = slot.practitioner
        days.setdefault(timezone.localtime(slot.start, LOCAL).date(), []).append(
            OnlineSlot(
                start=slot.start,
                end=slot.end,
                practitioner_id=practitioner.public_id if practitioner else None,
                practitioner_name=practitioner.name if practitioner else "",
            )
        )
    return [SlotDay(day, slots) for day, slots in days.items()], next_week


def unit_days_ahead(unit_id: int) -> int:
    """How many days ahead the unit's online booking offers times."""
    schedule = UnitSchedule.objects.filter(unit_id=unit_id).first()
    return schedule.online_days_ahead if schedule is not None else DEFAULT_DAYS_AHEAD


def online_last_day(unit_id: int) -> date:
    """The last local day the unit's online booking offers times on."""
    return timezone.localdate(timezone.now(), LOCAL) + timedelta(days=unit_days_ahead(unit_id))


def online_has_later(next_day: date, unit_id: int) -> bool:
    return next_day <= online_last_day(unit_id)


def parse_slot(start_key: str) -> datetime:
    try:
        return datetime.strptime(start_key, SLOT_FORMAT).replace(tzinfo=UTC)
    except ValueError as exc:
        raise Http404 from exc


def online_practitioner(unit: Unit, public_id: object) -> Resource | None:
    if not public_id:
        return None
    found = Resource.objects.filter(
        organisation_id=unit.organisation_id,
        unit=unit,
        public_id=_uuid(public_id),
        kind=ResourceKind.PRACTITIONER,
        is_active=True,
    ).first()
    if found is None:
        raise Http404
    return found


def online_slot_is_free(
    appointment_type: AppointmentType, start: datetime, practitioner: Resource | None
) -> bool:
    if start < timezone.now():
        return False
    if timezone.localtime(start, LOCAL).date() > online_last_day(appointment_type.unit_id):
        return False
    found = find_slots(
        appointment_type=appointment_type,
        start=start,
        end=start + timedelta(minutes=appointment_type.duration_minutes),
        practitioner=practitioner,
        limit=1,
    )
    return bool(found) and found[0].start == start


# Identification -------------------------------------------------------------------------------


def online_identify(
    *,
    unit: Unit,
    given_name: str,
    family_name: str,
    cpr: str,
    phone: str = "",
    email: str = "",
    consent_sms: bool = False,
    consent_email: bool = False,
) -> Identity:
    """Check what the visitor typed. Raises OnlineError or IdentifierError (with a message).

    A CPR number registered in the organisation under the typed name is that patient. A
    number registered under another name goes on exactly as an unknown number does, to be
    refused when booked (online_book): refusing it here, while an unknown number goes on,
    would tell anyone who types a number whether it belongs to a patient of the clinic. It
    is never booked onto the registered patient.
    """
    given_name = name_checked(given_name, "given_name")
    family_name = name_checked(family_name, "family_name")
    number = parse_identifier(cpr)
    phone, email = contact_checked(
        phone=phone, email=email, consent_sms=consent_sms, consent_email=consent_email
    )
    actor = online_booking_actor(unit)
    hits = patient_search(actor=actor, query=number.value, channel=Channel.UI, limit=5)
    match = next((h for h in hits if names_match(given_name, family_name, h.name)), None)
    return Identity(
        given_name,
        family_name,
        number.value,
        phone,
        email,
        patient_id=str(match.public_id) if match else "",
        consent_sms=consent_sms,
        consent_email=consent_email,
    )


def _identified_patient(actor: Actor, identity: Identity) -> Patient:
    return access_patient(
        actor=actor,
        public_id=identity.patient_id,
        channel=Channel.UI,
        purpose=Purpose.PATIENT_REQUEST,
    )


def online_identity_notice(*, unit: Unit, identity: Identity) -> OnlineNotice | None:
    """Whether a confirmation will be sent, and how: for the confirm step."""
    patient = (
        _identified_patient(online_booking_actor(unit), identity) if identity.patient_id else None
    )
    return online_notice(identity, patient)


def online_booked_notice(appointment: Appointment, why: str = "") -> OnlineNotice | None:
    """Whether a confirmation is on its way, and how: for the done page."""
    return booked_notice(appointment.patient, why)


def pending_sign(
    *,
    appointment_type: AppointmentType,
    start: datetime,
    practitioner: Resource | None,
    identity: Identity,
) -> str:
    payload = {
        "type": str(appointment_type.public_id),
        "start": start.astimezone(UTC).strftime(SLOT_FORMAT),
        "with": str(practitioner.public_id) if practitioner else "",
        "who": asdict(identity),
        "at": timezone.now().timestamp(),
    }
    return signing.dumps(payload, salt=PENDING_SALT, compress=True)


@dataclass(frozen=True)
class Pending:
    appointment_type: AppointmentType
    start: datetime
    practitioner: Resource | None
    identity: Identity


def pending_load(unit: Unit, token: str) -> Pending:
    try:
        payload = signing.loads(token, salt=PENDING_SALT)
    except signing.BadSignature as exc:
        raise OnlineError(OnlineError.PENDING_EXPIRED) from exc
    # Aged on the application's clock (the signature's own timestamp is the system's).
    if timezone.now().timestamp() - float(payload.get("at", 0)) > PENDING_MAX_AGE:
        raise OnlineError(OnlineError.PENDING_EXPIRED)
    return Pending(
        appointment_type=online_type(unit, payload["type"]),
        start=parse_slot(payload["start"]),
        practitioner=online_practitioner(unit, payload["with"]),
        identity=Identity(**payload["who"]),
    )


# Booking --------------------------------------------------------------------------------------


def online_book(*, unit: Unit, pending: Pending) -> Appointment:
    """Book what the visitor confirmed: the matched patient, or a new one registered now.

    Raises BookingError (the time was taken meanwhile: with alternatives) or OnlineError
    (NOT_CONFIRMED: the number is registered under another name, or the registration failed).
    """
    actor = online_booking_actor(unit)
    identity = pending.identity
    if not online_slot_is_free(pending.appointment_type, pending.start, pending.practitioner):
        # Checked before anything is written, so a taken time rarely leaves a new record or a
        # consent behind.
        raise BookingError(BookingError.TAKEN, code=BookingCode.TAKEN)
    if identity.patient_id:
        patient = _identified_patient(actor, identity)
        consent = consent_to_store(patient, identity)
        if consent:
            patient = patient_update(
                actor=actor,
                patient=patient,
                data=consent,
                reason=str(_("Given when booking online")),
                channel=Channel.UI,
            )
        note = contact_note(patient, identity)
    else:
        try:
            patient = patient_register(
                actor=actor,
                cpr=identity.cpr,
                given_name=identity.given_name,
                family_name=identity.family_name,
                unit=unit,
                phone=identity.phone,
                email=identity.email,
                consent_sms=identity.consent_sms and bool(identity.phone),
                consent_email=identity.consent_email and bool(identity.email),
                channel=Channel.UI,
            ).patient
        except (PatientDuplicate, PatientInvalid) as exc:
            # PatientDuplicate: the number is registered under another name (online_identify).
            raise OnlineError(OnlineError.NOT_CONFIRMED) from exc
        note = ""
    return appointment_book(
        actor=actor,
        patient=patient,
        appointment_type=pending.appointment_type,
        start=pending.start,
        practitioner=pending.practitioner,
        note=note,
        via=BookedVia.ONLINE,
        channel=Channel.UI,
    )


# The patient's link: see, cancel, move --------------------------------------------------------


def manage_token(appointment: Appointment) -> str:
    """The patient's cancel/move link token: the one scheduling.reminders puts in messages."""
    return sign_manage_token(appointment.public_id)


def manage_appointment(token: str) -> Appointment:
    """The appointment of a link, while its time has not come. Raises OnlineError."""
    try:
        public_id = signing.TimestampSigner(salt=MANAGE_SALT).unsign(token)
    except signing.BadSignature as exc:
        raise OnlineError(OnlineError.LINK_INVALID) from exc
    appointment = (
        Appointment.objects.select_related(
            "appointment_type", "unit", "unit__organisation", "patient"
        )
        .filter(public_id=_uuid(public_id))
        .first()
    )
    if appointment is None:
        raise OnlineError(OnlineError.LINK_INVALID)
    if appointment.start <= timezone.now():
        raise OnlineError(OnlineError.LINK_EXPIRED)
    return appointment


def manage_view_log(appointment: Appointment) -> None:
    """The link holder saw the appointment: logged as the patient's own request."""
    access_log_record(
        actor=online_booking_actor(appointment.unit),
        action=Action.VIEW,
        purpose=Purpose.PATIENT_REQUEST,
        channel=Channel.UI,
        object_type="appointment",
        object_id=appointment.public_id,
        patient_id=appointment.patient.public_id,
        organisation_id=appointment.organisation_id,
        reason="patient's link",
    )


def unit_cancel_hours(unit_id: int) -> int:
    """How many hours before an appointment online cancelling and moving close."""
    schedule = UnitSchedule.objects.filter(unit_id=unit_id).first()
    return schedule.online_cancel_hours if schedule is not None else DEFAULT_CANCEL_HOURS


def online_cancel_hours(appointment: Appointment) -> int:
    return unit_cancel_hours(appointment.unit_id)


def cancel_closes_at(appointment: Appointment) -> datetime:
    return appointment.start - timedelta(hours=online_cancel_hours(appointment))


def inside_cancel_limit(unit: Unit, start: datetime) -> bool:
    """A time this close can no longer be cancelled or moved online once booked: the
    confirm step says so before booking."""
    return timezone.now() >= start - timedelta(hours=unit_cancel_hours(unit.pk))


def _check_changeable(appointment: Appointment) -> None:
    if appointment.status != AppointmentStatus.BOOKED:
        raise OnlineError(OnlineError.NOT_CHANGEABLE)
    if timezone.now() >= cancel_closes_at(appointment):
        raise BookingError(
            BookingError.TOO_LATE_TO_CANCEL % {"hours": online_cancel_hours(appointment)},
            code=BookingCode.TOO_LATE_TO_CANCEL,
        )


def online_changeable(appointment: Appointment) -> bool:
    """Whether the link may still cancel or move the appointment."""
    return appointment.status == AppointmentStatus.BOOKED and (
        timezone.now() < cancel_closes_at(appointment)
    )


def online_can_move(appointment: Appointment) -> bool:
    kind = appointment.appointment_type
    return kind.bookable_online and kind.is_active and not kind.is_group


def online_cancel(*, token: str) -> Appointment:
    """Cancel through the patient's link, until UnitSchedule.online_cancel_hours before."""
    appointment = manage_appointment(token)
    _check_changeable(appointment)
    return appointment_cancel(
        actor=online_booking_actor(appointment.unit),
        appointment=appointment,
        reason=str(_("Cancelled by the patient online")),
        channel=Channel.UI,
    )


def online_move(*, token: str, start: datetime, practitioner_id: object = "") -> Appointment:
    """Move through the patient's link to another free time of the same type."""
    appointment = manage_appointment(token)
    _check_changeable(appointment)
    if not online_can_move(appointment):
        raise OnlineError(OnlineError.NOT_MOVABLE)
    practitioner = online_practitioner(appointment.unit, practitioner_id)
    return appointment_move(
        actor=online_booking_actor(appointment.unit),
        appointment=appointment,
        start=start,
        practitioner=practitioner,
        channel=Channel.UI,
    )


def appointment_practitioners(appointment: Appointment) -> list[str]:
    return list(
        Resource.objects.filter(
            pk__in=appointment.resource_holds.values("resource_id"),
            kind=ResourceKind.PRACTITIONER,
        ).values_list("name", flat=True)
    )
