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

from klinik.core.choices import Role
from klinik.staff.choices import (
    DelegatedTask,
    DelegationKind,
    Level,
    PeriodKind,
    Profession,
    TrainingStatus,
)

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import ManyRelatedManager

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
    competences: models.ManyToManyField[Competence, Any] = models.ManyToManyField(
        "Competence", related_name="courses", blank=True
    )

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
    if TYPE_CHECKING:
        courses: ManyRelatedManager[Course, Any]

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


class Instruction(models.Model):
    """A written instruction (instruks) in the clinic's library, as in DDKM: versioned, with an
    owner and a review date; each version's read-confirmations per person."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    title = models.CharField(_("title"), max_length=200)
    owner = _user()
    review_on = models.DateField(_("review date"), null=True, blank=True)
    reviewed_on = models.DateField(_("last reviewed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "title"], name="staff_instruction_title_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title


class InstructionVersion(models.Model):
    organisation = _org()
    instruction = models.ForeignKey(Instruction, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"))
    valid_from = models.DateField(_("valid from"))
    created_by = _user()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["instruction_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["instruction", "number"], name="staff_instruction_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instruction_id} v{self.number}"


class InstructionRead(models.Model):
    """A person confirmed reading a version."""

    organisation = _org()
    version = models.ForeignKey(InstructionVersion, on_delete=models.PROTECT, related_name="+")
    user = _user()
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="staff_instruction_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.version_id}"


class Delegation(models.Model):
    """An authorised person delegates a task to a named person or to a role in a unit, under a
    written instruction's version, for a period (docs/adr/0025-delegation-register.md)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    delegator = _user()
    delegate = _user(null=True)
    delegate_role = models.CharField(_("role"), max_length=40, blank=True, choices=Role.choices)
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    task = models.CharField(_("task"), max_length=40, choices=DelegatedTask.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=DelegationKind.choices)
    instruction_version = models.ForeignKey(
        InstructionVersion, on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    review_on = models.DateField(_("review date"), null=True, blank=True)
    # Revocation (docs/adr/0029): valid up to the day before `revoked_on`; recorded at
    # `revoked_at` by `revoked_by` with a reason. The row stays: the register keeps its history.
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_on = models.DateField(_("revoked from"), null=True, blank=True)
    revoked_by = _user(null=True)
    revoke_reason = models.CharField(_("reason"), max_length=500, blank=True)
    reviewed_on = models.DateField(_("last reviewed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(revoked_at__isnull=True)
                    & Q(revoked_on__isnull=True)
                    & Q(revoked_by__isnull=True)
                    & Q(revoke_reason="")
                )
                | (
                    Q(revoked_at__isnull=False)
                    & Q(revoked_on__gte=models.F("valid_from"))
                    & Q(revoked_by__isnull=False)
                    & ~Q(revoke_reason="")
                ),
                name="staff_delegation_revocation_complete",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="staff_delegation_end_after_start",
            ),
            # To a named person, or to a role in a unit: one or the other.
            models.CheckConstraint(
                condition=(Q(delegate__isnull=False) & Q(delegate_role=""))
                | (Q(delegate__isnull=True) & ~Q(delegate_role="") & Q(unit__isnull=False)),
                name="staff_delegation_person_or_role_in_unit",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "task", "valid_from"], name="staff_deleg_task_idx")
        ]

    def __str__(self) -> str:
        return f"delegation {self.public_id}"


class Training(models.Model):
    """A course a person is planned on or has completed (the personal training plan)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    user = _user()
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=TrainingStatus.choices)
    starts_on = models.DateField(_("start"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    certificate = models.FileField(_("certificate"), upload_to="staff/certificates/", blank=True)
    created_by = _user()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=models.F("starts_on")),
                name="staff_training_completed_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_on__isnull=False),
                name="staff_training_completed_has_date",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "user", "starts_on"], name="staff_training_user_idx"
            )
        ]

    def __str__(self) -> str:
        return f"training {self.public_id}"


class StaffProfile(models.Model):
    """A person's profession, education, authorisation id and employment in one organisation."""

    organisation = _org()
    user = _user()
    profession = models.CharField(_("profession"), max_length=40, choices=Profession.choices)
    education = models.CharField(_("education"), max_length=200, blank=True)
    authorisation_id = models.CharField(_("authorisation id"), max_length=20, blank=True)
    photo = models.ImageField(_("photo"), upload_to="staff/photos/", blank=True)
    employed_from = models.DateField(_("employed from"), null=True, blank=True)
    employed_to = models.DateField(_("employed to"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="staff_profile_unique"),
            models.CheckConstraint(
                condition=Q(employed_to__isnull=True)
                | Q(employed_from__isnull=True)
                | Q(employed_to__gte=models.F("employed_from")),
                name="staff_profile_employment_order",
            ),
        ]

    def __str__(self) -> str:
        return f"profile {self.user_id}"


class EducationPlan(models.Model):
    """An apprentice's (elev's) education plan: school and practice periods, practice goals, the
    daily trainer (AMU 49998) and the responsible trainer (AMU 49995), progress notes."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    apprentice = _user()
    education = models.CharField(_("education"), max_length=200)
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"))
    daily_trainer = _user()
    responsible_trainer = _user()
    created_by = _user()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "apprentice"], name="staff_education_plan_unique"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")),
                name="staff_education_plan_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"education plan {self.public_id}"


class EducationPeriod(models.Model):
    """A school period or a practice period of a plan; a practice period is approved by the
    responsible trainer when it ends (the practice statement)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    plan = models.ForeignKey(EducationPlan, on_delete=models.CASCADE, related_name="periods")
    kind = models.CharField(_("kind"), max_length=20, choices=PeriodKind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"))
    approved_by = _user(null=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="staff_education_period_order",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True, approved_on__isnull=True)
                | Q(approved_by__isnull=False, approved_on__isnull=False, kind="practice"),
                name="staff_education_period_approval",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "plan"], name="staff_edu_period_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.starts_on}"


class PracticeGoal(models.Model):
    """A practice goal (praktikmål) of the plan; approved by a trainer when reached."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    plan = models.ForeignKey(EducationPlan, on_delete=models.CASCADE, related_name="goals")
    period = models.ForeignKey(
        EducationPeriod, on_delete=models.SET_NULL, null=True, blank=True, related_name="goals"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.CharField(_("goal"), max_length=500)
    approved_by = _user(null=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="staff_practice_goal_unique"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True, approved_on__isnull=True)
                | Q(approved_by__isnull=False, approved_on__isnull=False),
                name="staff_practice_goal_approval",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "plan"], name="staff_goal_plan_idx")]

    def __str__(self) -> str:
        return f"goal {self.number}"


class ProgressNote(models.Model):
    """A note on the apprentice's progress, by a trainer, the manager or the apprentice."""

    organisation = _org()
    plan = models.ForeignKey(EducationPlan, on_delete=models.CASCADE, related_name="notes")
    goal = models.ForeignKey(
        PracticeGoal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author = _user()
    text = models.TextField(_("note"))
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["-written_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "plan"], name="staff_note_plan_idx")]

    def __str__(self) -> str:
        return f"note {self.pk}"
