"""Referrals (henvisninger) and their history, pathways (forløb) with their markers and planned
steps, the deadline rules (data, date-versioned, each with its source), the deadlines a
referral or pathway runs, and tasks (opgaver).

Shaped after LPR3 (docs: shared domain README §3): a Pathway is a forløbselement (label,
responsible unit, start, end with afslutningsmåde, its referral), a PathwayMarker a
forløbsmarkør (an SKS code from `AFV…` with a time inside the pathway's period), so that LPR3
reporting can later be derived from these rows.

A Deadline's start, due date and paused days are derived from the events (the referral's
receipt, the markers, the booked appointments) by `deadlines.deadlines_recompute`; they are
stored so that queues and overviews can filter and sort on them with an index.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from klinik.pathways.choices import (
    STARTS_FROM_REFERRAL,
    AppliesWhen,
    ClinicalArea,
    DayUnit,
    DeadlineState,
    ReferralEventKind,
    ReferralMode,
    ReferralPriority,
    ReferralStatus,
    TaskPriority,
    TaskStatus,
)

if TYPE_CHECKING:
    from klinik.core.models import Organisation


def _org() -> models.ForeignKey[Organisation]:
    return models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )


def _user(*, null: bool = False) -> models.ForeignKey[Any]:
    return models.ForeignKey(
        "core.User",
        on_delete=models.PROTECT,
        related_name="+",
        null=null,
        blank=null,
        db_index=False,
    )


# Referrals ------------------------------------------------------------------------------------


class Referral(models.Model):
    """A henvisning received by a unit: registered by hand or imported (MedCom, later)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    received_at = models.DateTimeField(_("received"))
    referrer_name = models.CharField(_("referrer"), max_length=200)
    referrer_sor = models.CharField(_("referrer's SOR code"), max_length=20, blank=True)
    referrer_provider_number = models.CharField(
        _("referrer's ydernummer"), max_length=7, blank=True
    )
    reason = models.TextField(_("reason for referral"))
    diagnosis = models.CharField(_("diagnosis (SKS)"), max_length=20, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=ReferralPriority.choices)
    mode = models.CharField(
        _("henvisningsmåde"),
        max_length=10,
        choices=ReferralMode.choices,
        default=ReferralMode.PAPER,
    )
    area = models.CharField(
        _("area"), max_length=12, choices=ClinicalArea.choices, default=ClinicalArea.SOMATIC
    )
    # The rule codes of the patient rights the referral carries (udredningsret, ...).
    rights = models.JSONField(_("patient rights"), default=list, blank=True)
    status = models.CharField(
        max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.RECEIVED
    )
    # Visitation: who decided, when, and why (the reason of a rejection goes to the referrer).
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = _user(null=True)
    decision_reason = models.TextField(blank=True)
    # The earliest due date of its running deadlines (derived with them): the work queue's
    # order for referrals waiting for visitation.
    next_due = models.DateField(null=True, blank=True)
    created_by = _user(null=True)  # None: imported
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "unit", "status", "received_at"],
                name="path_referral_queue_idx",
            ),
            models.Index(fields=["organisation", "patient"], name="path_referral_patient_idx"),
            # The work queue's order: due, then the acute first.
            models.Index(
                fields=["organisation", "unit", "status", "next_due", "priority"],
                name="path_referral_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"referral {self.public_id}"


class ReferralEvent(models.Model):
    """One step in a referral's history: received, changed, visitated, redirected."""

    organisation = _org()
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    by = _user(null=True)
    kind = models.CharField(max_length=12, choices=ReferralEventKind.choices)
    from_unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["organisation", "referral"], name="path_ref_event_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"


class ReferralAttachment(models.Model):
    """A scanned letter or other file that came with the referral: kept as a record document
    (records' storage, access checks and export), linked here."""

    organisation = _org()
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="attachments")
    document = models.OneToOneField("records.Document", on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["organisation", "referral"], name="path_ref_attach_idx")]

    def __str__(self) -> str:
        return f"attachment {self.document_id}"


# Pathways -------------------------------------------------------------------------------------


class PathwayTemplate(models.Model):
    """A pathway of planned steps, e.g. a pakkeforløb for cancer."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    code = models.SlugField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    label = models.CharField(_("forløbslabel"), max_length=20)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="path_template_code")
        ]

    def __str__(self) -> str:
        return self.title


class PathwayTemplateStep(models.Model):
    organisation = _org()
    template = models.ForeignKey(PathwayTemplate, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(_("step"), max_length=200)
    # Planned this many calendar days after the pathway starts.
    offset_days = models.PositiveSmallIntegerField(_("days after start"))
    marker = models.CharField(_("marker when done"), max_length=20, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "position"], name="path_template_step_position"
            )
        ]
        indexes = [models.Index(fields=["organisation", "template"], name="path_template_step_idx")]

    def __str__(self) -> str:
        return self.title


class Pathway(models.Model):
    """A forløb(selement): the patient's course at a responsible unit."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="pathways"
    )
    template = models.ForeignKey(
        PathwayTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    label = models.CharField(_("forløbslabel"), max_length=20)
    title = models.CharField(_("title"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("start"))
    ended_at = models.DateTimeField(_("end"), null=True, blank=True)
    end_mode = models.CharField(_("afslutningsmåde"), max_length=20, blank=True)
    created_by = _user(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "patient"], name="path_pathway_patient_idx"),
            models.Index(fields=["organisation", "unit", "ended_at"], name="path_pathway_unit_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="path_pathway_end_after_start",
            ),
            # LPR3 rule 02.02: a closed forløbselement has an afslutningsmåde.
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | ~Q(end_mode=""),
                name="path_pathway_closed_has_end_mode",
            ),
        ]

    def __str__(self) -> str:
        return f"pathway {self.public_id}"


class PathwayMarker(models.Model):
    """A forløbsmarkør: an SKS code (AFV…, AFB…) with a time inside the pathway's period."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="markers")
    code = models.CharField(_("marker"), max_length=20)
    at = models.DateTimeField(_("time"))
    created_by = _user(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A marker set in error is kept and marked, never deleted; the deadlines ignore it.
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = _user(null=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["organisation", "pathway", "at"], name="path_marker_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.at:%Y-%m-%d %H:%M}"


class PathwayStep(models.Model):
    """A planned step of the pathway (from its template), done or not."""

    organisation = _org()
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="steps")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(_("step"), max_length=200)
    planned_on = models.DateField(_("planned"))
    marker = models.CharField(max_length=20, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        indexes = [models.Index(fields=["organisation", "pathway"], name="path_step_idx")]

    def __str__(self) -> str:
        return self.title


class PathwayLink(models.Model):
    """An appointment or a contact that belongs to the pathway (scheduling and records sit
    below pathways, so the link lives here)."""

    organisation = _org()
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="links")
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contact = models.ForeignKey(
        "records.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "pathway"], name="path_link_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(appointment__isnull=False, contact__isnull=True)
                | Q(appointment__isnull=True, contact__isnull=False),
                name="path_link_one_target",
            ),
            models.UniqueConstraint(
                fields=["pathway", "appointment"], name="path_link_appointment_once"
            ),
            models.UniqueConstraint(fields=["pathway", "contact"], name="path_link_contact_once"),
        ]

    def __str__(self) -> str:
        return f"link {self.pk}"


# Deadlines ------------------------------------------------------------------------------------


class DeadlineRule(models.Model):
    """One row of the law's table: national data, not owned by an organisation. A rule code
    can have several rows, each valid for referrals received in its period (valid_to
    inclusive, None: until further notice) and for its kind of referral."""

    code = models.SlugField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    length = models.PositiveSmallIntegerField(_("length"))
    day_unit = models.CharField(_("counted in"), max_length=10, choices=DayUnit.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    applies_when = models.CharField(
        _("applies to"), max_length=12, choices=AppliesWhen.choices, default=AppliesWhen.ANY
    )
    # "referral" (the referral's receipt) or the marker code whose first time starts the clock.
    starts_from = models.CharField(_("starts from"), max_length=20, default=STARTS_FROM_REFERRAL)
    # Marker codes (prefixes) whose first time after the start meets the deadline; "booking":
    # an appointment booked on the pathway meets it.
    met_by = models.CharField(_("met by"), max_length=200, blank=True)
    # A rule with a task title makes a task when its deadline starts (the "tell the patient").
    task_title = models.CharField(_("task"), max_length=200, blank=True)
    # Rights that bring this rule along (udredningsret brings udredningsret-besked).
    brought_by = models.CharField(_("brought by"), max_length=40, blank=True)
    is_right = models.BooleanField(_("patient right"), default=True)
    source_text = models.CharField(_("source"), max_length=300)
    source_url = models.URLField(_("source address"), max_length=300, blank=True)

    class Meta:
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "applies_when", "valid_from"], name="path_rule_version"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="path_rule_valid_period",
            ),
            models.CheckConstraint(condition=Q(length__gt=0), name="path_rule_length_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.valid_from})"


class Deadline(models.Model):
    """A rule's clock on one referral (and the pathway it started). Start, due and paused
    days are derived from the events; `state` is stored, "breached" is read from `due`."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="deadlines")
    pathway = models.ForeignKey(
        Pathway, on_delete=models.PROTECT, null=True, blank=True, related_name="deadlines"
    )
    rule = models.ForeignKey(DeadlineRule, on_delete=models.PROTECT, related_name="+")
    start = models.DateField(null=True, blank=True)  # None: its start event has not happened
    due = models.DateField(null=True, blank=True)
    paused_days = models.PositiveSmallIntegerField(default=0)
    is_paused = models.BooleanField(default=False)
    state = models.CharField(
        max_length=10, choices=DeadlineState.choices, default=DeadlineState.OPEN
    )
    met_at = models.DateTimeField(null=True, blank=True)
    task = models.ForeignKey(
        "pathways.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "unit", "state", "due"], name="path_deadline_idx"),
            models.Index(fields=["organisation", "referral"], name="path_deadline_ref_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["referral", "rule"], name="path_deadline_once"),
        ]

    def __str__(self) -> str:
        return f"deadline {self.public_id}"


class PathwaySettings(models.Model):
    """How early the work queue warns of a coming deadline: per unit, else the
    organisation's row (unit None), else 3 working days."""

    organisation = _org()
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    warning_working_days = models.PositiveSmallIntegerField(_("warning (working days)"), default=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "unit"], name="path_settings_unit"),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(unit__isnull=True),
                name="path_settings_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"settings {self.organisation_id}/{self.unit_id}"


# Tasks ----------------------------------------------------------------------------------------


class Task(models.Model):
    """An opgave: for a person, a role in a unit, or just the unit; made by hand or by a rule."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    pathway = models.ForeignKey(
        Pathway, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    assignee = models.ForeignKey(
        "core.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    assignee_role = models.CharField(_("role"), max_length=32, blank=True)
    due = models.DateField(_("due"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=TaskPriority.choices, default=TaskPriority.NORMAL
    )
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    # "manual", or "rule:<rule code>" for tasks a deadline rule made.
    source = models.CharField(max_length=60, default="manual")
    created_by = _user(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = _user(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "unit", "status", "due"], name="path_task_idx"),
            models.Index(
                fields=["organisation", "assignee", "status"], name="path_task_assignee_idx"
            ),
            models.Index(fields=["organisation", "patient"], name="path_task_patient_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class TaskComment(models.Model):
    organisation = _org()
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="comments")
    author = _user()
    text = models.TextField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["organisation", "task"], name="path_task_comment_idx")]

    def __str__(self) -> str:
        return f"comment {self.pk}"


__all__ = [
    "Deadline",
    "DeadlineRule",
    "Pathway",
    "PathwayLink",
    "PathwayMarker",
    "PathwaySettings",
    "PathwayStep",
    "PathwayTemplate",
    "PathwayTemplateStep",
    "Referral",
    "ReferralAttachment",
    "ReferralEvent",
    "Task",
    "TaskComment",
]
