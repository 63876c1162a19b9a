from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError, SetupInvalid

if TYPE_CHECKING:
    from klinik.scheduling.series import PlannedOccurrence
    from klinik.scheduling.slots import Slot


class BookingCode(StrEnum):
    """Why a booking was refused: the API's `code`."""

    PAST = "past"
    CLOSED = "closed"
    OUTSIDE_HOURS = "outside_hours"
    TAKEN = "taken"
    NOT_OFFERED = "not_offered"
    NOT_ONLINE = "not_online"
    NO_RESOURCE = "no_resource"
    ROOM_UNFIT = "room_unfit"
    GROUP_FULL = "group_full"
    BAD_STATUS = "bad_status"
    REASON_REQUIRED = "reason_required"
    ALREADY_CANCELLED = "already_cancelled"
    STARTED = "started"
    UNDO_TOO_LATE = "undo_too_late"
    TOO_LATE_TO_CANCEL = "too_late_to_cancel"


class BookingError(DomainError):
    """A booking the schedule refuses; carries a message to show, a BookingCode and free
    alternatives."""

    # The time is gone: a conflict, not bad input.
    statuses = {
        BookingCode.TAKEN: 409,
        BookingCode.GROUP_FULL: 409,
        BookingCode.ALREADY_CANCELLED: 409,
        BookingCode.STARTED: 409,
    }

    PAST = _("The time has passed. Choose a time in the future.")
    CLOSED = _("The clinic is closed on that day (%(day)s).")
    OUTSIDE_HOURS = _("The time is outside the opening hours of the resources needed.")
    TAKEN = _("The time is already booked.")
    NOT_OFFERED = _("The unit does not offer that type of appointment.")
    NOT_ONLINE = _("That type of appointment cannot be booked online.")
    NO_RESOURCE = _("No practitioner or room can take that type of appointment.")
    ROOM_UNFIT = _(
        "%(room)s cannot be used for %(type)s. Choose one of: %(choices)s, or let the "
        "schedule choose."
    )
    ROOM_NOT_NEEDED = _("%(type)s needs no room or equipment: leave the room empty.")
    ROOM_NOT_IN_SESSION = _(
        "The group session at that time takes place in %(rooms)s: choose that room or none."
    )
    GROUP_FULL = _("The group session is full.")
    BAD_STATUS = _("The appointment cannot change from %(from)s to %(to)s.")
    REASON_REQUIRED = _("State a reason.")
    ALREADY_CANCELLED = _("The appointment is already cancelled.")
    STARTED = _("The appointment has started and can no longer be cancelled.")
    UNDO_TOO_LATE = _("The booking can no longer be undone: cancel the appointment instead.")
    TOO_LATE_TO_CANCEL = _(
        "Online cancellation closes %(hours)d hours before the appointment. Please call us."
    )

    def __init__(
        self, message: object, alternatives: list[Slot] | None = None, *, code: BookingCode
    ) -> None:
        super().__init__(code, message)
        self.alternatives = alternatives or []


class SeriesCode(StrEnum):
    """Why a series was refused: the API's `code`."""

    COUNT = "series_count"
    INTERVAL = "series_interval"
    WEEKDAYS = "series_weekdays"
    END = "series_end"
    CONFLICTS = "series_conflicts"


class SeriesError(DomainError):
    """A series the schedule refuses as a whole: bad repeat settings (422, at the field), or
    occurrences that conflict (409, each listed in `conflicts` with its alternative). Nothing
    of the series is written."""

    statuses = {SeriesCode.CONFLICTS: 409}

    COUNT = _("A series has from %(min)d to %(max)d appointments.")
    INTERVAL = _("Repeat every 1 to %(max)d weeks.")
    WEEKDAYS = _("Choose weekdays from Monday to Sunday.")
    END_MISSING = _("State how many times, or the last date.")
    END_BOTH = _("State either how many times or the last date, not both.")
    END_BEFORE = _("The last date is before the first appointment.")
    CONFLICTS = _(
        "%(count)d of the times cannot be booked: nothing has been booked. Choose an "
        "alternative or skip those times."
    )
    MOVE_CONFLICTS = _(
        "%(count)d of the appointments cannot be moved to the new time: nothing has been moved."
    )

    def __init__(
        self,
        code: SeriesCode,
        message: object,
        field: str = "",
        conflicts: list[PlannedOccurrence] | None = None,
    ) -> None:
        super().__init__(code, message, field)
        self.conflicts = conflicts or []


class AppointmentTypeInvalid(SetupInvalid):
    """An appointment type (or a unit's online settings) the setup refuses; messages at the
    fields, nothing saved."""

    NAME_TAKEN = _("The unit already has an appointment type with that name.")
    DURATION = _("The duration is between %(min)d and %(max)d minutes.")
    BUFFER = _("The buffer is between 0 and %(max)d minutes.")
    CAPACITY = _("A group session takes 2 to %(max)d participants.")
    CAPACITY_NOT_GROUP = _("Only a group session takes more than one patient.")
    REMINDER_HOURS = _("The reminder is sent 0 to %(max)d hours before.")
    COLOUR = _("A colour is written #rrggbb, e.g. #4a90d9.")
    CHOICE = _("Choose one of the options.")
    NO_REQUIREMENT = _(
        "An appointment type needs at least one resource: a practitioner, a room or equipment."
    )
    RESOURCE_MISSING = _(
        "%(unit)s has no active resource of the kind %(kind)s. Add one first, or remove the "
        "requirement."
    )
    NOT_IN_UNIT = _("%(resource)s is not an active %(kind)s of %(unit)s.")
    DAYS_AHEAD = _("Between 1 and %(max)d days.")
    CANCEL_HOURS = _("Between 0 and %(max)d hours.")


class WaitlistCode(StrEnum):
    INVALID = "waitlist_invalid"
    NOT_FOUND = "waitlist_not_found"
    UNAVAILABLE = "waitlist_unavailable"


class WaitlistError(DomainError):
    """A waiting-list entry, offer or answer refused. The answers to a patient's link are
    neutral: taken, expired and withdrawn read the same."""

    statuses = {WaitlistCode.NOT_FOUND: 404, WaitlistCode.UNAVAILABLE: 409}

    PRACTITIONER = _("Choose a practitioner of the unit, or none.")
    LATEST_BEFORE_EARLIEST = _("The latest date must not be before the earliest.")
    WEEKDAYS = _("Weekdays are numbered 0 (Monday) to 6 (Sunday).")
    TIME_OF_DAY = _("Choose any time, morning or afternoon.")
    BAD_STATUS = _("An entry is either removed or done.")
    NOT_FOUND = _("The link is not valid. Use the link from your message exactly.")
    UNAVAILABLE = _("The time is no longer available. Thank you for your answer.")

    def __init__(
        self, message: object, field: str = "", code: WaitlistCode = WaitlistCode.INVALID
    ) -> None:
        super().__init__(code, message, field)
