"""Reporting's own state (issue 18): the LPR3 error list (fejlliste) and the reports as sent.
Everything else in reporting only reads."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    ERROR = "ERROR", _("Error")
    WARNING = "WARNING", _("Warning")


class Lpr3Finding(models.Model):
    """One finding of the business rules on a patient's LPR3 report: open until a
    re-validation no longer finds it (then `fixed_at`). Keyed by (patient, rule, path): the
    same error found again the next night is the same row, so "first seen" holds."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # What to fix: the contact or the pathway the path points into (derived state: it goes
    # with them; a contact nothing was written on may be deleted when an arrival is undone).
    contact = models.ForeignKey(
        "records.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    pathway = models.ForeignKey(
        "pathways.Pathway", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    rule = models.CharField(_("rule"), max_length=30)
    severity = models.CharField(_("severity"), max_length=7, choices=Severity.choices)
    message = models.TextField(_("message"))
    path = models.CharField(_("where"), max_length=300)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    first_seen = models.DateTimeField(_("first seen"))
    fixed_at = models.DateTimeField(_("fixed"), null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "unit", "fixed_at", "deadline"], name="rep_finding_unit_idx"
            ),
            models.Index(fields=["organisation", "patient"], name="rep_finding_patient_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "rule", "path"],
                condition=Q(fixed_at__isnull=True),
                name="rep_finding_open_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.path}"


class Lpr3Submission(models.Model):
    """A patient's LPR3 report as the transport adapter sent it (the local backend keeps it
    here). Per patient one set (`set_id`, constant) with versions 1, 2, …; each version has
    its own document id (§3.3 of the domain notes: setId / versionNumber / id)."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    set_id = models.UUIDField(_("set id"))
    version = models.PositiveIntegerField(_("version"))
    document_id = models.UUIDField(_("document id"), default=uuid.uuid4, unique=True)
    document = models.JSONField(_("report"))
    backend = models.CharField(_("transport"), max_length=40)
    sent_at = models.DateTimeField(_("sent"))
    sent_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "patient", "-version"], name="rep_submission_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "patient", "version"], name="rep_submission_version_once"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="rep_submission_version_1"),
        ]

    def __str__(self) -> str:
        return f"LPR3 {self.set_id} v{self.version}"
