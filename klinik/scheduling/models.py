"""Resources, their hours, appointment types, appointments and their history.

The no-double-booking rule lives in the database: each appointment holds its resources through
AppointmentResource rows, which PostgreSQL's exclusion constraint keeps from overlapping
(migration 0002); on SQLite the booking service checks inside an IMMEDIATE transaction, which
holds the database's write lock from its first statement.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from klinik.scheduling.choices import (
    AbsenceKind,
    AppointmentStatus,
    Attendance,
    BookedVia,
    ResourceKind,
    TimeOfDay,
    WaitlistOfferStatus,
    WaitlistOpeningStatus,
    WaitlistStatus,
    WeekParity,
)

if TYPE_CHECKING:
    from klinik.core.models import Organisation


def _org() -> models.ForeignKey[Organisation]:
    return models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )


class UnitSchedule(models.Model):
    """A unit's booking rules: holidays, online booking's horizon and cancellation limit,
    reminders' quiet hours."""

    organisation = _org()
    unit = models.OneToOneField("core.Unit", on_delete=models.PROTECT, related_name="+")
    closed_on_public_holidays = models.BooleanField(_("closed on public holidays"), default=True)
    # Optional Danish days off the unit also closes on (names as in the holidays package).
    closed_optional_days = models.JSONField(default=list, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(_("slot grid (minutes)"), default=5)
    online_cancel_hours = models.PositiveSmallIntegerField(
        _("online cancellation closes (hours before)"), default=24
    )
    online_days_ahead = models.PositiveSmallIntegerField(
        _("online booking how far ahead (days)"), default=365
    )
    quiet_start = models.TimeField(_("no SMS from"), default="21:00")
    quiet_end = models.TimeField(_("no SMS until"), default="08:00")
    undo_grace_seconds = models.PositiveIntegerField(_("undo grace period (seconds)"), default=180)
    # The calendar books at once when a free time is picked, with an undo for a few seconds,
    # instead of asking to confirm (issue 20; off: the confirm step stays).
    books_on_enter = models.BooleanField(
        _("book directly on Enter"), default=False, db_default=False
    )
    # A freed time is offered to this many patients on the waiting list at once; each offer
    # holds for this many hours after its message goes out.
    waitlist_offer_count = models.PositiveSmallIntegerField(
        _("waiting list: offers per free time"), default=3
    )
    waitlist_offer_hours = models.PositiveSmallIntegerField(
        _("waiting list: hours to accept an offer"), default=2
    )

    class Meta:
        indexes = [models.Index(fields=["organisation", "unit"], name="sched_unitsched_idx")]

    def __str__(self) -> str:
        return f"schedule of unit {self.unit_id}"


class Resource(models.Model):
    """Something an appointment needs: a practitioner, a room, a piece of equipment."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=ResourceKind.choices)
    name = models.CharField(_("name"), max_length=200)
    user = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    colour = models.CharField(_("colour"), max_length=7, default="#0b5394")
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # SHA-256 (hex) of the private token of the iCalendar feed (practitioners), shown once
    # when made; empty: no feed.
    feed_token = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["sort_order", "name"]
        indexes = [models.Index(fields=["organisation", "unit", "kind"], name="sched_resource_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=True) | Q(kind=ResourceKind.PRACTITIONER),
                name="sched_resource_user_is_practitioner",
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkingHours(models.Model):
    """A resource's regular hours on a weekday (0 = Monday); several rows make breaks.

    A row holds from `valid_from` to `valid_to` (both days included, either open) and in every
    ISO week, or only in the even or the odd ones (alternating weeks)."""

    organisation = _org()
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    start = models.TimeField(_("from"))
    end = models.TimeField(_("to"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    weeks = models.CharField(
        _("weeks"),
        max_length=5,
        choices=WeekParity.choices,
        default=WeekParity.EVERY,
        db_default=WeekParity.EVERY,
    )

    class Meta:
        ordering = ["weekday", "start"]
        indexes = [models.Index(fields=["organisation", "resource"], name="sched_hours_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="sched_hours_order"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="sched_hours_weekday"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=F("valid_to")),
                name="sched_hours_validity_order",
            ),
            models.CheckConstraint(
                condition=Q(weeks__in=WeekParity.values), name="sched_hours_weeks"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start}-{self.end}"


class Absence(models.Model):
    """Time a resource is away (vacation, sick, course, break) or, without a resource, the
    whole unit is closed."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, null=True, blank=True, related_name="absences"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AbsenceKind.choices)
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("to"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "unit", "start"], name="sched_absence_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="sched_absence_order")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.start:%Y-%m-%d}"


class ExtraOpening(models.Model):
    """A one-off opening outside regular hours (a Saturday clinic, a holiday on call)."""

    organisation = _org()
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="openings")
    start = models.DateTimeField()
    end = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "resource", "start"], name="sched_opening_idx")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="sched_opening_order")
        ]

    def __str__(self) -> str:
        return f"opening {self.start:%Y-%m-%d}"


class AppointmentType(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    buffer_minutes = models.PositiveSmallIntegerField(_("buffer after (minutes)"), default=0)
    buffer_before_minutes = models.PositiveSmallIntegerField(
        _("buffer before (minutes)"), default=0
    )
    colour = models.CharField(_("colour"), max_length=7, default="#4a90d9")
    bookable_online = models.BooleanField(_("bookable online"), default=False)
    attendance = models.CharField(
        _("attendance"), max_length=12, choices=Attendance.choices, default=Attendance.IN_PERSON
    )
    preparation_text = models.TextField(_("preparation for the patient"), blank=True)
    is_group = models.BooleanField(_("group session"), default=False)
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=1)
    reminder_hours = models.PositiveSmallIntegerField(_("reminder (hours before)"), default=24)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["organisation", "unit"], name="sched_type_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=600),
                name="sched_type_duration",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1) & (Q(is_group=True) | Q(capacity=1)),
                name="sched_type_capacity",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def hold_span(self, start: datetime) -> tuple[datetime, datetime]:
        """The time an appointment of this type starting at `start` holds its resources:
        from the buffer before it to the end of the buffer after it."""
        return (
            start - timedelta(minutes=self.buffer_before_minutes),
            start + timedelta(minutes=self.duration_minutes + self.buffer_minutes),
        )


class TypeRequirement(models.Model):
    """One resource an appointment type needs: of a kind, optionally from a chosen few."""

    organisation = _org()
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.CASCADE, related_name="requirements"
    )
    kind = models.CharField(max_length=16, choices=ResourceKind.choices)
    allowed = models.ManyToManyField(Resource, blank=True, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["organisation", "appointment_type"], name="sched_req_idx")]

    def __str__(self) -> str:
        return f"{self.appointment_type_id}: {self.kind}"


class AppointmentSeries(models.Model):
    """A recurring series (e.g. ten weekly physiotherapy sessions); occurrences are
    appointments, each of which can be moved or cancelled on its own."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    interval_days = models.PositiveSmallIntegerField(default=7)
    count = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["organisation", "patient"], name="sched_series_idx")]

    def __str__(self) -> str:
        return f"series {self.public_id}"


class Appointment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    # End of the time the resources are held: end plus the type's buffer.
    block_end = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    # The status before the last status change: what undo goes back to (transitions.py).
    previous_status = models.CharField(
        max_length=16, choices=AppointmentStatus.choices, blank=True, default="", db_default=""
    )
    series = models.ForeignKey(
        AppointmentSeries, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    series_index = models.PositiveSmallIntegerField(null=True, blank=True)
    # Group sessions: the appointments of one session share a key (their first's id).
    session_key = models.UUIDField(default=uuid.uuid4)
    is_overbooked = models.BooleanField(default=False)
    booked_via = models.CharField(max_length=8, choices=BookedVia.choices)
    booked_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    # The secretary's choice at the last change (cancel, move): tell the patient or not (ADR 0034).
    notifies_patient = models.BooleanField(_("notify the patient"), default=True, db_default=True)
    # Reception: walk-in queue number, the local day it was given for (numbers restart each
    # day, unique per unit and day) and the time the patient arrived.
    queue_number = models.PositiveSmallIntegerField(null=True, blank=True)
    queue_day = models.DateField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # The day's appointments of a unit; the status makes it cover the counts per
            # status of a period (reporting's dashboards).
            models.Index(
                fields=["organisation", "unit", "start", "status"], name="sched_appt_day_st_idx"
            ),
            # A unit's sessions of its group types (capacity: participants counted once).
            models.Index(
                fields=["organisation", "unit", "appointment_type", "start"],
                name="sched_appt_type_start_idx",
            ),
            models.Index(
                fields=["organisation", "patient", "start"], name="sched_appt_patient_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")) & Q(end__lte=F("block_end")),
                name="sched_appt_order",
            ),
            # A walk-in's number belongs to a day: both or neither.
            models.CheckConstraint(
                condition=Q(queue_number__isnull=True, queue_day__isnull=True)
                | Q(queue_number__isnull=False, queue_day__isnull=False),
                name="sched_appt_queue_number_has_day",
            ),
            # One queue number per unit and day, whoever hands it out at the same moment.
            models.UniqueConstraint(
                fields=["unit", "queue_day", "queue_number"],
                condition=Q(queue_number__isnull=False),
                name="sched_appt_unique_queue_number",
            ),
        ]

    def __str__(self) -> str:
        return f"appointment {self.public_id}"

    @property
    def holds(self) -> list[AppointmentResource]:
        """The resources this appointment holds, each with its Resource. Lists of
        appointments get theirs in one query (selectors.holds_attach); a single one loads
        them here on first use."""
        loaded = self.__dict__.get("_holds")
        if loaded is None:
            loaded = self._holds = list(
                self.resource_holds.select_related("resource").order_by("pk")
            )
        return loaded

    @property
    def is_active(self) -> bool:
        return self.status in (
            AppointmentStatus.BOOKED,
            AppointmentStatus.ARRIVED,
            AppointmentStatus.IN_PROGRESS,
            AppointmentStatus.FINISHED,
        )


class AppointmentResource(models.Model):
    """The time an appointment holds one resource. Rows of active appointments never overlap
    for a resource, except within one group session or when overbooked on purpose."""

    organisation = _org()
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="resource_holds"
    )
    # Indexed with start below (the calendar asks for a resource's holds in a period).
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    start = models.DateTimeField()
    block_end = models.DateTimeField()
    session_key = models.UUIDField()
    holds_time = models.BooleanField(default=True)  # false when cancelled or no-show
    is_overbooked = models.BooleanField(default=False)

    class Meta:
        indexes = [
            # Covering: slot search and the week overview read (resource, start, block_end)
            # of the holds from the index alone, without visiting the table.
            models.Index(
                fields=["resource", "start", "block_end"],
                condition=Q(holds_time=True),
                name="sched_hold_cover_idx",
            ),
            # Every hold, cancelled ones too: which appointments a resource has in a period.
            models.Index(fields=["resource", "start"], name="sched_hold_resource_start_idx"),
            models.Index(fields=["organisation", "appointment"], name="sched_hold_appt_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("block_end")), name="sched_hold_order")
        ]

    def __str__(self) -> str:
        return f"hold {self.resource_id} {self.start}"


class AppointmentEvent(models.Model):
    """Append-only history of an appointment: booked, moved, status changes, with who/when."""

    organisation = _org()
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    by = models.ForeignKey("core.User", on_delete=models.PROTECT, null=True, related_name="+")
    kind = models.CharField(max_length=16)  # booked, moved, status, note
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    from_start = models.DateTimeField(null=True, blank=True)
    to_start = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "appointment", "at"], name="sched_event_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.at}"


class WaitlistEntry(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT)
    practitioner = models.ForeignKey(
        Resource, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    earliest = models.DateField(null=True, blank=True)
    latest = models.DateField(null=True, blank=True)
    # Days of the week the patient can come: bit 0 Monday ... bit 6 Sunday; 0 = any day.
    weekdays = models.PositiveSmallIntegerField(default=0)
    time_of_day = models.CharField(max_length=10, choices=TimeOfDay.choices, default=TimeOfDay.ANY)
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    offered_appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["organisation", "unit", "status"], name="sched_waitlist_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekdays__lte=127), name="sched_waitlist_weekdays_mask"
            ),
            models.CheckConstraint(
                condition=Q(earliest__isnull=True)
                | Q(latest__isnull=True)
                | Q(latest__gte=F("earliest")),
                name="sched_waitlist_earliest_before_latest",
            ),
        ]

    def __str__(self) -> str:
        return f"waitlist {self.public_id}"


class WaitlistOpening(models.Model):
    """A free time offered to the waiting list (a cancellation, a move, or by hand). The row
    every acceptance locks: the first to accept fills it, the others are told it is taken."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT)
    practitioner = models.ForeignKey(
        Resource, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    start = models.DateTimeField()
    freed_appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=WaitlistOpeningStatus.choices, default=WaitlistOpeningStatus.OPEN
    )
    booked_appointment = models.OneToOneField(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "unit", "start"], name="sched_wl_opening_idx")
        ]

    def __str__(self) -> str:
        return f"opening {self.public_id}"


class WaitlistOffer(models.Model):
    """One patient's offer of an opening: by a message with an accept link (only the token's
    hash is stored), or as a patient to call when no message may be sent."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    opening = models.ForeignKey(WaitlistOpening, on_delete=models.PROTECT, related_name="offers")
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.PROTECT, related_name="offers")
    token_hash = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=WaitlistOfferStatus.choices)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["organisation", "entry"], name="sched_wl_offer_entry_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["token_hash"], condition=~Q(token_hash=""), name="sched_wl_offer_token"
            ),
            # The first to accept gets the time: never two acceptances of one opening.
            models.UniqueConstraint(
                fields=["opening"],
                condition=Q(status=WaitlistOfferStatus.ACCEPTED),
                name="sched_wl_offer_one_accepted",
            ),
            models.UniqueConstraint(fields=["opening", "entry"], name="sched_wl_offer_once"),
        ]

    def __str__(self) -> str:
        return f"offer {self.public_id}"
