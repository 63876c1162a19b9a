from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError

if TYPE_CHECKING:
    from klinik.scheduling.slots import Slot


class BookingError(DomainError):
    """A booking the schedule refuses; carries a message to show and free alternatives.
    Codes: past, closed, outside_hours, taken, not_offered, not_online, no_resource,
    room_unfit, group_full, bad_status, reason_required, too_late, stale, ..."""

    statuses = {"taken": 409, "group_full": 409}  # the time is gone: a conflict, not bad input

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
    TOO_LATE_TO_CANCEL = _(
        "Online cancellation closes %(hours)d hours before the appointment. Please call us."
    )

    def __init__(
        self, message: object, alternatives: list[Slot] | None = None, code: str = ""
    ) -> None:
        super().__init__(code, message)
        self.alternatives = alternatives or []
