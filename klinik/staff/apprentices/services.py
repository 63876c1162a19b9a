"""Writes on apprentices' education plans (issue 17 item 5).

The manager makes the plan (school and practice periods, practice goals, the daily trainer and
the responsible trainer); the trainers approve goals and, when a practice period has ended,
the period; everyone on the plan writes progress notes. Each write is one transaction with its
access-log entry (a staff change; no patient data).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.choices import Role
from klinik.core.models import Membership, User
from klinik.core.policy import Actor, Perm, require
from klinik.staff.apprentices.selectors import plan_roles
from klinik.staff.choices import PeriodKind
from klinik.staff.errors import StaffCode, StaffDomainError
from klinik.staff.models import EducationPeriod, EducationPlan, PracticeGoal, ProgressNote

TEXT_MAX = 500
NOTE_MAX = 5000


def _error(code: StaffCode, field: str = "", **params: Any) -> StaffDomainError:
    message = getattr(StaffDomainError, code.name)
    return StaffDomainError(code, message % params if params else message, field)


def _log(actor: Actor, plan: EducationPlan, what: str) -> None:
    access_log_record(
        actor=actor,
        action=Action.STAFF_CHANGE,
        purpose=Purpose.ADMINISTRATION,
        channel=Channel.UI,
        object_type="education_plan",
        object_id=str(plan.public_id),
        reason=what,
    )


def _text(value: str, field: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise _error(StaffCode.REQUIRED, field)
    if len(value) > limit:
        raise StaffDomainError(
            StaffCode.TOO_LONG, StaffDomainError.TOO_LONG % {"max": limit}, field
        )
    return value


def _member(actor: Actor, user: User | None, field: str) -> User:
    if user is None:
        raise _error(StaffCode.REQUIRED, field)
    if not Membership.objects.filter(
        organisation=actor.organisation, user=user, is_active=True
    ).exists():
        name = user.get_full_name() or user.get_username()
        raise _error(StaffCode.DELEGATE_NOT_MEMBER, field, person=name)
    return user


def education_plan_create(
    *,
    actor: Actor,
    membership: Membership,
    education: str,
    starts_on: dt.date,
    ends_on: dt.date,
    daily_trainer: User | None,
    responsible_trainer: User | None,
) -> EducationPlan:
    """The apprentice's plan. Refuses (nothing written): someone not an apprentice here, a
    trainer outside the organisation or the apprentice themself, an end not after the start,
    a second plan."""
    require(actor, Perm.STAFF_MANAGE)
    organisation = actor.organisation
    if organisation is None or membership.organisation_id != organisation.pk:
        raise _error(StaffCode.NOT_MEMBER, "apprentice")
    if membership.role != Role.APPRENTICE or not membership.is_active:
        raise _error(StaffCode.NOT_APPRENTICE, "apprentice")
    education = _text(education, "education", 200)
    daily = _member(actor, daily_trainer, "daily_trainer")
    responsible = _member(actor, responsible_trainer, "responsible_trainer")
    for field, trainer in (("daily_trainer", daily), ("responsible_trainer", responsible)):
        if trainer.pk == membership.user_id:
            raise _error(StaffCode.TRAINER_IS_APPRENTICE, field)
    if ends_on <= starts_on:
        raise _error(StaffCode.END_BEFORE_START, "ends_on")
    try:
        with transaction.atomic(durable=True):
            plan = EducationPlan.objects.create(
                organisation=organisation,
                apprentice=membership.user,
                education=education,
                starts_on=starts_on,
                ends_on=ends_on,
                daily_trainer=daily,
                responsible_trainer=responsible,
                created_by=actor.user,
            )
            _log(actor, plan, "plan created")
    except IntegrityError:
        raise _error(StaffCode.PLAN_EXISTS, "apprentice") from None
    return plan


def education_period_add(
    *,
    actor: Actor,
    plan: EducationPlan,
    kind: str,
    title: str,
    starts_on: dt.date,
    ends_on: dt.date,
) -> EducationPeriod:
    """A school or practice period, within the plan's dates."""
    require(actor, Perm.STAFF_MANAGE)
    if not plan_roles(actor, plan).is_manager:
        raise _error(StaffCode.NOT_MEMBER)
    if kind not in PeriodKind.values:
        raise _error(StaffCode.BAD_STATUS, "kind", value=kind)
    title = _text(title, "title", 200)
    if ends_on < starts_on:
        raise _error(StaffCode.END_BEFORE_START, "ends_on")
    if starts_on < plan.starts_on or ends_on > plan.ends_on:
        raise _error(
            StaffCode.OUTSIDE_PLAN,
            "starts_on" if starts_on < plan.starts_on else "ends_on",
            start=date_format(plan.starts_on, "d.m.Y"),
            end=date_format(plan.ends_on, "d.m.Y"),
        )
    with transaction.atomic(durable=True):
        period = EducationPeriod.objects.create(
            organisation_id=plan.organisation_id,
            plan=plan,
            kind=kind,
            title=title,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        _log(actor, plan, f"{kind} period added")
    return period


def practice_goal_add(
    *, actor: Actor, plan: EducationPlan, text: str, period: EducationPeriod | None = None
) -> PracticeGoal:
    """A practice goal, numbered in the plan; by the manager or a trainer."""
    roles = plan_roles(actor, plan)
    if not (roles.is_manager or roles.is_trainer):
        raise _error(StaffCode.NOT_TRAINER)
    text = _text(text, "text", TEXT_MAX)
    if period is not None and period.plan_id != plan.pk:
        raise _error(StaffCode.REQUIRED, "period")
    with transaction.atomic(durable=True):
        locked = EducationPlan.objects.select_for_update().get(pk=plan.pk)
        last = locked.goals.aggregate(last=Max("number"))["last"] or 0
        goal = PracticeGoal.objects.create(
            organisation_id=plan.organisation_id,
            plan=locked,
            period=period,
            number=last + 1,
            text=text,
        )
        _log(actor, plan, f"goal {goal.number} added")
    return goal


def practice_goal_approve(*, actor: Actor, goal: PracticeGoal) -> PracticeGoal:
    """A trainer approves a goal as reached (once)."""
    plan = goal.plan
    if not plan_roles(actor, plan).is_trainer:
        raise _error(StaffCode.NOT_TRAINER)
    with transaction.atomic(durable=True):
        changed = PracticeGoal.objects.filter(pk=goal.pk, approved_by__isnull=True).update(
            approved_by=actor.user, approved_on=timezone.localdate()
        )
        if not changed:
            raise _error(StaffCode.ALREADY_APPROVED)
        _log(actor, plan, f"goal {goal.number} approved")
    goal.refresh_from_db()
    return goal


def education_period_approve(*, actor: Actor, period: EducationPeriod) -> EducationPeriod:
    """The responsible trainer approves a practice period once it has ended."""
    plan = period.plan
    if not plan_roles(actor, plan).is_responsible_trainer:
        raise _error(StaffCode.NOT_TRAINER)
    if period.kind != PeriodKind.PRACTICE:
        raise _error(StaffCode.ONLY_PRACTICE)
    if period.ends_on > timezone.localdate():
        raise _error(StaffCode.NOT_ENDED, end=date_format(period.ends_on, "d.m.Y"))
    with transaction.atomic(durable=True):
        changed = EducationPeriod.objects.filter(pk=period.pk, approved_by__isnull=True).update(
            approved_by=actor.user, approved_on=timezone.localdate()
        )
        if not changed:
            raise _error(StaffCode.ALREADY_APPROVED)
        _log(actor, plan, "practice period approved")
    period.refresh_from_db()
    return period


def progress_note_add(
    *, actor: Actor, plan: EducationPlan, text: str, goal: PracticeGoal | None = None
) -> ProgressNote:
    """A progress note by anyone on the plan (the apprentice, a trainer, the manager)."""
    if not plan_roles(actor, plan).may_read:
        raise _error(StaffCode.NOT_MEMBER)
    text = _text(text, "text", NOTE_MAX)
    if goal is not None and goal.plan_id != plan.pk:
        raise _error(StaffCode.REQUIRED, "goal")
    with transaction.atomic(durable=True):
        note = ProgressNote.objects.create(
            organisation_id=plan.organisation_id,
            plan=plan,
            goal=goal,
            author=actor.user,
            text=text,
            written_at=timezone.now(),
        )
        _log(actor, plan, "progress note")
    return note
