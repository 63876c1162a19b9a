"""E-konsultation: a patient's message to the clinic, triaged to a clinician and answered.
Imported by correspondence.models."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from klinik.correspondence.econsult.choices import PatientMessageStatus, PatientMessageVia


class PatientMessage(models.Model):
    """A message from a patient (through an adapter: the local one is the self-service form).
    The question and the answer are kept in the record as one journal entry when answered."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    via = models.CharField(_("received through"), max_length=16, choices=PatientMessageVia.choices)
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("message"))
    received_at = models.DateTimeField(_("received"))
    status = models.CharField(_("status"), max_length=10, choices=PatientMessageStatus.choices)
    assigned_to = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    triaged_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    journal_entry_public_id = models.UUIDField(null=True, blank=True)

    class Meta:
        verbose_name = _("patient message")
        verbose_name_plural = _("patient messages")
        indexes = [
            models.Index(
                fields=["organisation", "status", "received_at"], name="corr_ptmsg_status_idx"
            ),
            models.Index(fields=["organisation", "patient"], name="corr_ptmsg_patient_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=PatientMessageStatus.TRIAGED) | Q(assigned_to__isnull=False),
                name="corr_ptmsg_triaged_has_clinician",
            ),
            models.CheckConstraint(
                condition=~Q(status=PatientMessageStatus.ANSWERED)
                | (
                    ~Q(answer="")
                    & Q(answered_by__isnull=False)
                    & Q(answered_at__isnull=False)
                    & Q(journal_entry_public_id__isnull=False)
                ),
                name="corr_ptmsg_answered_in_record",
            ),
        ]

    def __str__(self) -> str:
        return f"patient message {self.public_id}"
