"""Contacts: a meeting between patient and clinic (kontakt)."""

import uuid
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from klinik.records.choices import ContactKind
from klinik.records.models.base import organisation_field, patient_field, user_field

if TYPE_CHECKING:
    from klinik.records.models.clinical import ContactDiagnosis, ContactProcedure


class Contact(models.Model):
    """A meeting between patient and clinic (kontakt): opened at arrival, closed when finished."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = organisation_field()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    patient = patient_field()
    appointment = models.OneToOneField(
        "scheduling.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind of contact"), max_length=10, choices=ContactKind.choices)
    reason = models.CharField(_("reason for contact"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("start"))
    ended_at = models.DateTimeField(_("end"), null=True, blank=True)
    responsible = user_field(null=True)
    created_by = user_field(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Set by records.clinical.selectors.contacts_with_coding, not columns.
    active_diagnoses: list["ContactDiagnosis"]
    active_procedures: list["ContactProcedure"]
    removed_codes: list["ContactDiagnosis | ContactProcedure"]
    has_main: bool

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "patient", "-started_at"], name="rec_contact_patient_idx"
            ),
            models.Index(
                fields=["organisation", "unit", "-started_at"], name="rec_contact_unit_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="rec_contact_order",
            )
        ]

    def __str__(self) -> str:
        return f"contact {self.public_id}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None
