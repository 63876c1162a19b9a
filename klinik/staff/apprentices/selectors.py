"""Reads of apprentices' education plans, and the one door to a plan.

A plan is seen by the apprentice, the two trainers and the organisation's staff managers; to
anyone else it does not exist (the same 404 as for a plan that is missing). No patient data.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from klinik.core.models import Organisation
from klinik.core.policy import Actor, Perm
from klinik.staff.choices import TrainingStatus
from klinik.staff.models import EducationPlan, Training

# The AMU courses for trainers of apprentices (the seed's catalogue).
RESPONSIBLE_TRAINER_COURSE = "49995"  # EUD-Oplæringsvejledning for den uddannelsesansvarlige
DAILY_TRAINER_COURSE = "49998"  # EUD-Oplæringsvejledning for den daglige oplærer


def _plans() -> QuerySet[EducationPlan]:
    return EducationPlan.objects.select_related(
        "apprentice", "daily_trainer", "responsible_trainer", "organisation"
    )


def education_plan_list(*, organisation: Organisation) -> QuerySet[EducationPlan]:
    return _plans().filter(organisation=organisation).order_by("starts_on", "pk")


@dataclass(frozen=True)
class PlanRoles:
    """What the actor is on a plan."""

    is_manager: bool
    is_apprentice: bool
    is_daily_trainer: bool
    is_responsible_trainer: bool

    @property
    def is_trainer(self) -> bool:
        return self.is_daily_trainer or self.is_responsible_trainer

    @property
    def may_read(self) -> bool:
        return self.is_manager or self.is_apprentice or self.is_trainer


def plan_roles(actor: Actor, plan: EducationPlan) -> PlanRoles:
    user_id = actor.user.pk
    return PlanRoles(
        is_manager=actor.can(Perm.STAFF_MANAGE)
        and actor.organisation is not None
        and actor.organisation.pk == plan.organisation_id,
        is_apprentice=plan.apprentice_id == user_id,
        is_daily_trainer=plan.daily_trainer_id == user_id,
        is_responsible_trainer=plan.responsible_trainer_id == user_id,
    )


def access_education_plan(actor: Actor, public_id: uuid.UUID | str) -> EducationPlan:
    """The plan, if the actor may see it; else 404 (the same for 'missing' and 'not yours')."""
    if actor.organisation is None:
        raise Http404
    plan = _plans().filter(public_id=public_id, organisation=actor.organisation).first()
    if plan is None or not plan_roles(actor, plan).may_read:
        raise Http404
    return plan


def education_plan_of(*, organisation: Organisation, apprentice_id: int) -> EducationPlan | None:
    return _plans().filter(organisation=organisation, apprentice_id=apprentice_id).first()


def education_plans_trained_by(*, organisation: Organisation, user_id: int) -> list[EducationPlan]:
    """The plans the user is a trainer on (their page lists them)."""
    return [
        plan
        for plan in _plans().filter(organisation=organisation).order_by("starts_on", "pk")
        if user_id in (plan.daily_trainer_id, plan.responsible_trainer_id)
    ]


@dataclass(frozen=True)
class TrainerCourses:
    """Whether each trainer has completed the course for their part (shown, not enforced)."""

    daily_has_course: bool
    responsible_has_course: bool


def trainer_courses(plan: EducationPlan) -> TrainerCourses:
    done = set(
        Training.objects.filter(
            organisation_id=plan.organisation_id,
            status=TrainingStatus.COMPLETED,
            user_id__in=[plan.daily_trainer_id, plan.responsible_trainer_id],
            course__number__in=[DAILY_TRAINER_COURSE, RESPONSIBLE_TRAINER_COURSE],
        ).values_list("user_id", "course__number")
    )
    return TrainerCourses(
        # The responsible trainer's course covers the daily trainer's part too.
        daily_has_course=(plan.daily_trainer_id, DAILY_TRAINER_COURSE) in done
        or (plan.daily_trainer_id, RESPONSIBLE_TRAINER_COURSE) in done,
        responsible_has_course=(plan.responsible_trainer_id, RESPONSIBLE_TRAINER_COURSE) in done,
    )
