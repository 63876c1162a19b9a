"""Contacts: a meeting between patient and clinic (kontakt)."""

import uuid
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from klinik.records.choices import (
    LPR_PRIORITY_ACUTE,
    LPR_PRIORITY_PLANNED,
    LPR_TYPE_PHYSICAL,
    LPR_TYPE_VIRTUAL,
    ContactKind,
)
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
    # What LPR3 asks beyond the above (SKS codes). Blank: the default (lpr_contact_type,
    # lpr_contact_priority), so the secretary registers only what differs.
    lpr_type = models.CharField(_("LPR contact type"), max_length=10, blank=True)
    lpr_priority = models.CharField(_("priority"), max_length=10, blank=True)
    lpr_reason = models.CharField(_("reason for contact (LPR)"), max_length=10, blank=True)

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

    @property
    def lpr_contact_type(self) -> str:
        """The registered LPR3 contact type, else the kind's: a physical visit is ALCA00
        fysisk fremmøde, phone, video and written contacts ALCA03 virtuel kontakt."""
        if self.lpr_type:
            return self.lpr_type
        return LPR_TYPE_PHYSICAL if self.kind == ContactKind.PHYSICAL else LPR_TYPE_VIRTUAL

    @property
    def lpr_contact_priority(self) -> str:
        """The registered priority, else planned (ATA3) when booked and acute (ATA1) when not."""
        if self.lpr_priority:
            return self.lpr_priority
        return LPR_PRIORITY_PLANNED if self.appointment_id else LPR_PRIORITY_ACUTE


class ContactStay(models.Model):
    """An opholdsadresse of a contact: where the patient was, and when (LPR3). A physical
    contact without one stays at its unit for its whole period (the default)."""

    organisation = organisation_field()
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="stays")
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("to"), null=True, blank=True)
    created_by = user_field(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "contact"], name="rec_contact_stay_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="rec_contact_stay_order",
            )
        ]

    def __str__(self) -> str:
        return f"stay of {self.contact_id}"
