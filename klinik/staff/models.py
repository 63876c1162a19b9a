"""Staff: the course catalogue, competences and each person's competence levels.

The AMU courses and the seed's four competences are national: `organisation` is empty and they
are loaded from `data/` (catalogue.py). A clinic adds its own courses and competences with its
organisation set. A person's levels belong to one organisation.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from klinik.staff.choices import Level

if TYPE_CHECKING:
    from klinik.core.models import Organisation


def _org(*, null: bool = False) -> models.ForeignKey[Organisation]:
    return models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        null=null,
        blank=null,
        db_index=False,
    )


def _user(*, null: bool = False, related_name: str = "+") -> models.ForeignKey[Any]:
    return models.ForeignKey(
        "core.User",
        on_delete=models.PROTECT,
        related_name=related_name,
        null=null,
        blank=null,
        db_index=False,
    )


class Course(models.Model):
    """A course in the catalogue: an AMU course (national) or a clinic's own."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org(null=True)
    number = models.CharField(_("number"), max_length=20)
    level = models.CharField(_("level"), max_length=10, blank=True)
    title = models.CharField(_("title"), max_length=200)
    days = models.DecimalField(_("days"), max_digits=5, decimal_places=1)
    tied_from = models.DateField(_("tied to the job area from"), null=True, blank=True)
    is_amu = models.BooleanField(default=False)
    competences = models.ManyToManyField("Competence", related_name="courses", blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(organisation__isnull=True),
                name="staff_course_national_number_unique",
            ),
            models.UniqueConstraint(
                fields=["organisation", "number"],
                condition=Q(organisation__isnull=False),
                name="staff_course_org_number_unique",
            ),
            models.CheckConstraint(condition=Q(days__gt=0), name="staff_course_days_positive"),
        ]
        indexes = [models.Index(fields=["organisation", "number"], name="staff_course_org_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Competence(models.Model):
    """A competence with its concrete tasks: the seed's four (national) or a clinic's own."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org(null=True)
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    tasks = models.JSONField(_("tasks"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(organisation__isnull=True),
                name="staff_competence_national_code_unique",
            ),
            models.UniqueConstraint(
                fields=["organisation", "code"],
                condition=Q(organisation__isnull=False),
                name="staff_competence_org_code_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "position"], name="staff_competence_org_idx")
        ]

    def __str__(self) -> str:
        return self.name


class PersonCompetence(models.Model):
    """One person's level in one competence, in one organisation; the latest assessment."""

    organisation = _org()
    user = _user()
    competence = models.ForeignKey(Competence, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    evidence = models.TextField(_("evidence"), blank=True)
    assessed_on = models.DateField(_("assessed on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    changed_by = _user()
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user", "competence"],
                name="staff_person_competence_unique",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("assessed_on")),
                name="staff_person_competence_expiry_after_assessment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.competence_id} {self.level}"
