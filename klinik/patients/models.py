import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Patient(models.Model):
    """A person in one organisation's patient register."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # The unit the patient belongs to (lists, default care relation). Empty: the whole organisation.
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cpr = models.CharField(_("CPR number"), max_length=10)
    given_name = models.CharField(_("given name"), max_length=200)
    family_name = models.CharField(_("family name"), max_length=200)
    birth_date = models.DateField(_("birth date"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "cpr"], name="patients_patient_unique_cpr_per_org"
            ),
            models.CheckConstraint(
                condition=Q(cpr__regex=r"^[0-9]{6}[0-9A-Z][0-9A-Z]{3}$"),
                name="patients_patient_cpr_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def cpr_display(self) -> str:
        return f"{self.cpr[:6]}-{self.cpr[6:]}"


class PatientAccessGrant(models.Model):
    """Break the glass: time-limited access to a patient outside the user's care relation."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "user", "patient", "expires_at"],
                name="patients_grant_lookup_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="patients_grant_has_reason"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("granted_at")), name="patients_grant_expires"
            ),
        ]

    def __str__(self) -> str:
        return f"grant {self.pk}"
