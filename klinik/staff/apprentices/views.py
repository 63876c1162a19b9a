"""Apprentices (elever): the manager's list of education plans, a plan's page (periods,
practice goals, progress notes, approvals) and the apprentice's own view of their plan."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from klinik.core.choices import Role
from klinik.core.errors import form_error_add
from klinik.core.http import ActorRequest
from klinik.core.models import Membership, Organisation
from klinik.core.policy import Actor, Perm, requires
from klinik.staff.apprentices.forms import (
    EducationPeriodForm,
    EducationPlanForm,
    PracticeGoalForm,
    ProgressNoteForm,
)
from klinik.staff.apprentices.selectors import (
    access_education_plan,
    education_plan_list,
    education_plan_of,
    plan_roles,
    trainer_courses,
)
from klinik.staff.apprentices.services import (
    education_period_add,
    education_period_approve,
    education_plan_create,
    practice_goal_add,
    practice_goal_approve,
    progress_note_add,
)
from klinik.staff.errors import StaffDomainError
from klinik.staff.models import EducationPlan


def _organisation(request: ActorRequest) -> Organisation:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None or actor.organisation is None:
        raise Http404
    return actor.organisation


def _members(organisation: Organisation) -> Any:
    return (
        Membership.objects.filter(organisation=organisation, is_active=True)
        .select_related("user", "unit")
        .order_by("user__first_name", "user__last_name", "pk")
    )


@requires(Perm.STAFF_MANAGE)
def apprentice_list_view(request: ActorRequest) -> HttpResponse:
    organisation = _organisation(request)
    members = _members(organisation)
    form = EducationPlanForm(
        request.POST or None,
        apprentices=members.filter(role=Role.APPRENTICE),
        members=members.exclude(role=Role.APPRENTICE),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = education_plan_create(
                actor=request.actor,
                membership=data["apprentice"],
                education=data["education"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                daily_trainer=data["daily_trainer"].user,
                responsible_trainer=data["responsible_trainer"].user,
            )
        except StaffDomainError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("The education plan has been made."))
            return redirect("education_plan", public_id=plan.public_id)
    return render(
        request,
        "staff/apprentices/list.html",
        {"plans": education_plan_list(organisation=organisation), "form": form},
        status=400 if form.errors else 200,
    )


def _plan_page(
    request: ActorRequest, plan: EducationPlan, forms: dict[str, Any] | None = None
) -> HttpResponse:
    roles = plan_roles(request.actor, plan)
    periods = plan.periods.select_related("approved_by").order_by("starts_on", "pk")
    goals = plan.goals.select_related("approved_by", "period").order_by("number")
    forms = forms or {}
    context = {
        "plan": plan,
        "roles": roles,
        "periods": periods,
        "goals": goals,
        "notes": plan.notes.select_related("author", "goal").order_by("-written_at", "-pk"),
        "courses": trainer_courses(plan),
        "period_form": forms.get("period") or EducationPeriodForm(auto_id="period-%s"),
        "goal_form": forms.get("goal") or PracticeGoalForm(periods=periods, auto_id="goal-%s"),
        "note_form": forms.get("note") or ProgressNoteForm(goals=goals, auto_id="note-%s"),
        "failed": any(f.errors for f in forms.values()),
    }
    return render(
        request,
        "staff/apprentices/plan.html",
        context,
        status=400 if context["failed"] else 200,
    )


def _posted_id(request: ActorRequest, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(request.POST.get(name, ""))
    except ValueError:
        raise Http404 from None


def _plan_post(request: ActorRequest, plan: EducationPlan) -> HttpResponse:
    actor = request.actor
    action = request.POST.get("action", "")
    periods = plan.periods.order_by("starts_on", "pk")
    goals = plan.goals.order_by("number")
    try:
        if action == "approve_goal":
            goal = goals.filter(public_id=_posted_id(request, "goal")).first()
            if goal is None:
                raise Http404
            practice_goal_approve(actor=actor, goal=goal)
            messages.success(request, _("The practice goal has been approved."))
        elif action == "approve_period":
            period = periods.filter(public_id=_posted_id(request, "period")).first()
            if period is None:
                raise Http404
            education_period_approve(actor=actor, period=period)
            messages.success(request, _("The practice period has been approved."))
        else:
            return _plan_form_post(request, plan, action)
    except StaffDomainError as exc:
        messages.error(request, exc.message)
    return redirect("education_plan", public_id=plan.public_id)


def _plan_form_post(request: ActorRequest, plan: EducationPlan, action: str) -> HttpResponse:
    actor = request.actor
    form: EducationPeriodForm | PracticeGoalForm | ProgressNoteForm
    if action == "period":
        form = EducationPeriodForm(request.POST, auto_id="period-%s")
    elif action == "goal":
        form = PracticeGoalForm(request.POST, periods=plan.periods.all(), auto_id="goal-%s")
    elif action == "note":
        form = ProgressNoteForm(request.POST, goals=plan.goals.all(), auto_id="note-%s")
    else:
        raise Http404
    if form.is_valid():
        data = form.cleaned_data
        try:
            if isinstance(form, EducationPeriodForm):
                education_period_add(
                    actor=actor,
                    plan=plan,
                    kind=data["kind"],
                    title=data["title"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                )
            elif isinstance(form, PracticeGoalForm):
                practice_goal_add(actor=actor, plan=plan, text=data["text"], period=data["period"])
            else:
                progress_note_add(actor=actor, plan=plan, text=data["text"], goal=data["goal"])
        except StaffDomainError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("education_plan", public_id=plan.public_id)
    return _plan_page(request, plan, {action: form})


@requires()
def education_plan_view(request: ActorRequest, public_id: str) -> HttpResponse:
    _organisation(request)
    plan = access_education_plan(request.actor, public_id)
    if request.method == "POST":
        return _plan_post(request, plan)
    return _plan_page(request, plan)


@requires()
@require_GET
def my_education_plan_view(request: ActorRequest) -> HttpResponse:
    """The apprentice's own view: their plan, or a short note that there is none yet."""
    organisation = _organisation(request)
    plan = education_plan_of(organisation=organisation, apprentice_id=request.actor.user.pk)
    if plan is None:
        return render(request, "staff/apprentices/no_plan.html")
    return _plan_page(request, plan)
