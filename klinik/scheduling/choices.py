from django.db import models
from django.utils.translation import gettext_lazy as _


class ResourceKind(models.TextChoices):
    PRACTITIONER = "practitioner", _("Practitioner")
    ROOM = "room", _("Room")
    EQUIPMENT = "equipment", _("Equipment")


class AbsenceKind(models.TextChoices):
    VACATION = "vacation", _("Vacation")
    SICK = "sick", _("Sick")
    COURSE = "course", _("Course")
    CLOSED = "closed", _("Closed")
    BREAK = "break", _("Break")
    OTHER = "other", _("Other")


class WeekParity(models.TextChoices):
    """Which ISO weeks a row of working hours holds in (Danish "lige/ulige uger")."""

    EVERY = "every", _("Every week")
    EVEN = "even", _("Even weeks")
    ODD = "odd", _("Odd weeks")


class Attendance(models.TextChoices):
    """How the patient attends: in person, or remotely (nobody arrives at the reception)."""

    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Telephone")
    VIDEO = "video", _("Video")


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    IN_PROGRESS = "in_progress", _("In progress")
    FINISHED = "finished", _("Finished")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses that hold the resources' time.
ACTIVE_STATUSES = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.ARRIVED,
    AppointmentStatus.IN_PROGRESS,
    AppointmentStatus.FINISHED,
)


class BookedVia(models.TextChoices):
    STAFF = "staff", _("Staff")
    ONLINE = "online", _("Online")
    API = "api", _("API")


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered a time")
    BOOKED = "booked", _("Booked")
    REMOVED = "removed", _("Removed")


class TimeOfDay(models.TextChoices):
    """When in the day a patient on the waiting list can come (local time; noon divides)."""

    ANY = "any", _("Any time")
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")


class WaitlistOpeningStatus(models.TextChoices):
    OPEN = "open", _("Not yet taken")
    FILLED = "filled", _("Filled")


class WaitlistOfferStatus(models.TextChoices):
    SENT = "sent", _("Offered by message")
    CALL = "call", _("Call the patient")
    ACCEPTED = "accepted", _("Accepted")
    TAKEN = "taken", _("Taken by another patient")
    EXPIRED = "expired", _("Expired")


# AppointmentEvent.kind of a check-in that confirmed the patient's contact details (the
# reception writes it, the appointment panel's history shows it).
CONTACT_CHECKED = "contact_checked"
