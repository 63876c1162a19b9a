"""A prescription renewal (receptfornyelse): requested, prepared by a secretary, decided by a
doctor. Imported by correspondence.models (one migrations folder for the app)."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from klinik.correspondence.renewals.choices import RenewalSource, RenewalStatus


class Renewal(models.Model):
    """One request to renew one medication. Only a doctor's approval completes it (the
    permission `prescription.renew` is a doctor's alone: core/policy.py); the prescription
    itself goes to FMK through renewals/fmk.py."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("requested by"), max_length=16, choices=RenewalSource.choices)
    status = models.CharField(_("status"), max_length=12, choices=RenewalStatus.choices)
    request_text = models.CharField(_("request"), max_length=1000, blank=True)
    medication = models.CharField(_("medication"), max_length=200, blank=True)
    dose = models.CharField(_("dose"), max_length=200, blank=True)
    pharmacy = models.CharField(_("pharmacy"), max_length=200, blank=True)
    last_renewed_on = models.DateField(_("last renewed"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # The doctor asked to decide (the work queue shows it to them).
    doctor = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("reason"), max_length=500, blank=True)
    fmk_reference = models.CharField(max_length=200, blank=True)
    # The patient's message the request came from (source "message").
    message_public_id = models.UUIDField(null=True, blank=True)
    created_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("received"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("prescription renewal")
        verbose_name_plural = _("prescription renewals")
        indexes = [
            models.Index(
                fields=["organisation", "status", "created_at"], name="corr_renewal_status_idx"
            ),
            models.Index(fields=["organisation", "patient"], name="corr_renewal_patient_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=[RenewalStatus.APPROVED, RenewalStatus.DECLINED])
                | (Q(decided_by__isnull=False) & Q(decided_at__isnull=False)),
                name="corr_renewal_decided_has_doctor",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[RenewalStatus.PREPARED, RenewalStatus.APPROVED])
                | ~Q(medication=""),
                name="corr_renewal_prepared_has_medication",
            ),
            models.CheckConstraint(
                condition=~Q(status=RenewalStatus.APPROVED) | ~Q(fmk_reference=""),
                name="corr_renewal_approved_sent_to_fmk",
            ),
            models.UniqueConstraint(
                fields=["organisation", "message_public_id"],
                condition=Q(message_public_id__isnull=False),
                name="corr_renewal_one_per_message",
            ),
        ]

    def __str__(self) -> str:
        return f"renewal {self.public_id}"

    @property
    def is_open(self) -> bool:
        return self.status in (RenewalStatus.REQUESTED, RenewalStatus.PREPARED)
