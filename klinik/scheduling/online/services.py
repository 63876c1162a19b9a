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
from enum import StrEnum

from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.choices import Role
from klinik.core.errors import DomainError
from klinik.core.models import Organisation, Unit, User
from klinik.core.policy import Actor, Perm
from klinik.core.ratelimit import rate_limit_hit
from klinik.patients.access import access_patient
from klinik.patients.identifiers import parse_identifier
from klinik.patients.models import Patient
from klinik.patients.search import words
from klinik.patients.selectors import patient_search
from klinik.patients.services import patient_register
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.booking import appointment_book, appointment_move
from klinik.scheduling.choices import AppointmentStatus, BookedVia, ResourceKind
from klinik.scheduling.errors import BookingCode, BookingError
from klinik.scheduling.models import Appointment, AppointmentType, Resource, UnitSchedule
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
LATEST_DAYS = 365  # "later times" stops a year ahead
SLOT_FORMAT = "%Y%m%dT%H%MZ"  # a slot's time in URLs: UTC, to the minute
# Public POSTs per client address and hour.
RATE_LIMITS: dict[str, int] = {"identify": 30, "book": 10, "manage": 30}
RATE_WINDOW_SECONDS = 3600
DEFAULT_CANCEL_HOURS = 24  # UnitSchedule's default, for units without a schedule row
ONLINE_PERMISSIONS = frozenset({Perm.PATIENT_VIEW, Perm.PATIENT_EDIT, Perm.SCHEDULE_BOOK})


class OnlineCode(StrEnum):
    """The code of every OnlineError: the message says what was refused."""

    REFUSED = "online_refused"


class OnlineError(DomainError):
    """Something the public page refuses; the message is safe to show to anyone."""

    NOT_MATCHED = _(
        "The name does not match the CPR number in our records. Check what you typed, or "
        "call the clinic."
    )
    CONTACT_REQUIRED = _("Give a phone number or an e-mail address.")
    PHONE = _("A phone number has 8 digits, or + and a country code.")
    EMAIL = _("Type a valid e-mail address.")
    PENDING_EXPIRED = _("The booking took too long and was not made. Please start again.")
    LINK_INVALID = _("The link is not valid. Use the link from your confirmation exactly.")
    LINK_EXPIRED = _("The link has expired: the time of the appointment has passed.")
    NOT_CHANGEABLE = _("The appointment can no longer be changed online. Please call the clinic.")
    NOT_MOVABLE = _("This type of appointment cannot be moved online. Please call the clinic.")
    SLOT_GONE = _("The time is no longer free. Choose another time.")
    RATE_LIMITED = _(
        "Too many attempts from your connection. Please try again in an hour, or call the clinic."
    )

    def __init__(
        self, message: object, field: str = "", code: OnlineCode = OnlineCode.REFUSED
    ) -> None:
        super().__init__(code, message, field)


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


def online_unit(public_id: object) -> Unit:
    """An active unit that offers at least one type online; 404 otherwise."""
    unit = (
        Unit.objects.select_related("organisation")
        .filter(public_id=_uuid(public_id), is_active=True, organisation__is_active=True)
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
    found = find_slots(
        appointment_type=appointment_type,
        start=start,
        end=datetime.combine(next_week, time.min, tzinfo=LOCAL),
        limit=SLOTS_LIMIT,
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


def online_has_later(next_day: date) -> bool:
    return next_day <= timezone.localdate(timezone.now(), LOCAL) + timedelta(days=LATEST_DAYS)


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
    found = find_slots(
        appointment_type=appointment_type,
        start=start,
        end=start + timedelta(minutes=appointment_type.duration_minutes),
        practitioner=practitioner,
        limit=1,
    )
    return bool(found) and found[0].start == start


# Identification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Who the visitor is: an existing patient of the organisation, or one to register."""

    given_name: str
    family_name: str
    cpr: str
    phone: str
    email: str
    patient_id: str = ""  # public id of the existing patient, if one matched

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def cpr_masked(self) -> str:
        return f"{self.cpr[:6]}-xxxx"


def _compact_phone(text: str) -> str:
    compact = "".join(ch for ch in text if ch.isdigit() or ch == "+")
    if compact.startswith("+45") and len(compact) == 11:
        return compact[3:]
    if compact.startswith("0045") and len(compact) == 12:
        return compact[4:]
    return compact


def _names_match(typed_given: str, typed_family: str, registered: str) -> bool:
    """The typed family name's words and the first given name are in the registered name
    (folded: "Soeren" matches "Søren")."""
    known = set(words(registered))
    family = words(typed_family)
    given = words(typed_given)
    return bool(family) and set(family) <= known and bool(given) and given[0] in known


def online_identify(
    *,
    unit: Unit,
    given_name: str,
    family_name: str,
    cpr: str,
    phone: str = "",
    email: str = "",
) -> Identity:
    """Check what the visitor typed. Raises OnlineError or IdentifierError (with a message).

    A CPR number registered in the organisation must come with the name it is registered
    under; an unknown number becomes a new patient when the booking is confirmed.
    """
    given_name, family_name = given_name.strip(), family_name.strip()
    number = parse_identifier(cpr)
    phone = _compact_phone(phone.strip())
    email = email.strip()
    if not phone and not email:
        raise OnlineError(OnlineError.CONTACT_REQUIRED, field="phone")
    if phone and not (
        (len(phone) == 8 and phone.isdigit())
        or (phone.startswith("+") and phone[1:].isdigit() and 8 <= len(phone) - 1 <= 15)
    ):
        raise OnlineError(OnlineError.PHONE, field="phone")
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise OnlineError(OnlineError.EMAIL, field="email") from exc
    actor = online_booking_actor(unit)
    hits = patient_search(actor=actor, query=number.value, channel=Channel.UI, limit=5)
    patient_id = ""
    if hits:
        match = next((h for h in hits if _names_match(given_name, family_name, h.name)), None)
        if match is None:
            raise OnlineError(OnlineError.NOT_MATCHED, field="family_name")
        patient_id = str(match.public_id)
    return Identity(given_name, family_name, number.value, phone, email, patient_id)


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

    Raises BookingError (the time was taken meanwhile: with alternatives) or PatientInvalid.
    """
    actor = online_booking_actor(unit)
    identity = pending.identity
    if identity.patient_id:
        patient = access_patient(
            actor=actor,
            public_id=identity.patient_id,
            channel=Channel.UI,
            purpose=Purpose.PATIENT_REQUEST,
        )
        note = _note_contact(patient, identity)
    else:
        if not online_slot_is_free(pending.appointment_type, pending.start, pending.practitioner):
            # Checked before registering, so a taken time rarely leaves a new record behind.
            raise BookingError(BookingError.TAKEN, code=BookingCode.TAKEN)
        patient = patient_register(
            actor=actor,
            cpr=identity.cpr,
            given_name=identity.given_name,
            family_name=identity.family_name,
            unit=unit,
            phone=identity.phone,
            email=identity.email,
            channel=Channel.UI,
        ).patient
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


def _note_contact(patient: Patient, identity: Identity) -> str:
    """Contact details typed online that differ from the register: for the reception to
    confirm at check-in (an anonymous visitor does not change the register)."""
    given = []
    if identity.phone and identity.phone != patient.phone:
        given.append(str(_("phone %(phone)s")) % {"phone": identity.phone})
    if identity.email and identity.email.lower() != patient.email.lower():
        given.append(str(_("e-mail %(email)s")) % {"email": identity.email})
    if not given:
        return ""
    return str(_("Given when booking online: %(contact)s")) % {"contact": ", ".join(given)}


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


def online_cancel_hours(appointment: Appointment) -> int:
    schedule = UnitSchedule.objects.filter(unit_id=appointment.unit_id).first()
    return schedule.online_cancel_hours if schedule is not None else DEFAULT_CANCEL_HOURS


def cancel_closes_at(appointment: Appointment) -> datetime:
    return appointment.start - timedelta(hours=online_cancel_hours(appointment))


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
