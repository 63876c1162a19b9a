"""DRG values imported from the region's grouping results (no grouper of our own, ADR 0033).

One `DrgImport` per file taken in; each of its lines becomes a `DrgValue` on a contact or a
pathway (forløbselement) of the organisation, for one month. Re-importing a month replaces
every value of that month (the earlier import is kept, marked as replaced)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DrgImport(models.Model):
    """One file of grouping results and tariffs taken in."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(_("file"), max_length=200)
    # The months (first days) the file carried: each replaced what was imported for it before.
    periods = models.JSONField(default=list)
    line_count = models.PositiveIntegerField(default=0)
    total_tariff = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    imported_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "-imported_at"], name="rep_drg_import_idx"),
        ]

    def __str__(self) -> str:
        return f"DRG import {self.public_id}"


class DrgValue(models.Model):
    """A contact's or a pathway's DRG/DAGS group and tariff (DKK) for one month."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    drg_import = models.ForeignKey(DrgImport, on_delete=models.CASCADE, related_name="values")
    # The contact's or the pathway's unit, copied at import: the unit-and-month table sums it.
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    period = models.DateField(_("month"))  # the first day of the month
    contact = models.ForeignKey(
        "records.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pathway = models.ForeignKey(
        "pathways.Pathway", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    drg_group = models.CharField(_("DRG group"), max_length=12, blank=True)
    dags_group = models.CharField(_("DAGS group"), max_length=12, blank=True)
    tariff = models.DecimalField(_("tariff (DKK)"), max_digits=12, decimal_places=2)
    line_number = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "unit", "period"], name="rep_drg_unit_month_idx"),
            models.Index(fields=["organisation", "period"], name="rep_drg_period_idx"),
            models.Index(fields=["organisation", "pathway"], name="rep_drg_pathway_idx"),
            models.Index(fields=["organisation", "contact"], name="rep_drg_contact_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False, pathway__isnull=True)
                | Q(contact__isnull=True, pathway__isnull=False),
                name="rep_drg_one_target",
            ),
            models.CheckConstraint(
                condition=~Q(drg_group="") | ~Q(dags_group=""), name="rep_drg_has_group"
            ),
            models.CheckConstraint(condition=Q(tariff__gte=0), name="rep_drg_tariff_not_negative"),
            models.UniqueConstraint(
                fields=["organisation", "period", "contact"],
                condition=Q(contact__isnull=False),
                name="rep_drg_contact_once_a_month",
            ),
            models.UniqueConstraint(
                fields=["organisation", "period", "pathway"],
                condition=Q(pathway__isnull=False),
                name="rep_drg_pathway_once_a_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.drg_group or self.dags_group} {self.period:%Y-%m}"
