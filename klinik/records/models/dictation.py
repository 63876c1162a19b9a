"""Dictations: a clinician's dictation waiting to be transcribed into the record."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinik.records.choices import DictationPriority, DictationStatus
from klinik.records.models.base import organisation_field, patient_field, user_field
from klinik.records.models.documents import Document
from klinik.records.models.journal import JournalEntry


class Dictation(models.Model):
    """A clinician's dictation waiting for a secretary to transcribe it into the record."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = organisation_field()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    patient = patient_field()
    author = user_field()  # the dictating clinician, who signs the transcript
    priority = models.CharField(
        _("priority"),
        max_length=8,
        choices=DictationPriority.choices,
        default=DictationPriority.NORMAL,
    )
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(
        max_length=12, choices=DictationStatus.choices, default=DictationStatus.WAITING
    )
    audio = models.OneToOneField(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    instructions = models.CharField(_("instructions"), max_length=300, blank=True)
    # The clinician's typed draft, then the secretary's transcript in progress.
    text = models.TextField(_("text"), blank=True)
    taken_by = user_field(null=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    # Only its author cancels a dictation, and says why.
    cancelled_by = user_field(null=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "unit", "status", "deadline"], name="rec_dict_queue_idx"
            ),
            models.Index(fields=["organisation", "patient"], name="rec_dict_patient_idx"),
            # Transcribed in a period (the quality dashboard's turnaround per month).
            models.Index(
                fields=["organisation", "unit", "completed_at"], name="rec_dict_completed_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=DictationStatus.IN_PROGRESS) | Q(taken_by__isnull=False),
                name="rec_dict_taken",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[DictationStatus.FOR_SIGNING, DictationStatus.DONE])
                | Q(entry__isnull=False),
                name="rec_dict_entry",
            ),
            models.CheckConstraint(
                condition=~Q(status=DictationStatus.CANCELLED)
                | (Q(cancelled_at__isnull=False) & ~Q(cancel_reason="")),
                name="rec_dict_cancel_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"dictation {self.public_id}"
