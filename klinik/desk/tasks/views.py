"""The task screens: create a task (from the work queue, or from the patient page with the
patient filled in) and the task page with its comments and actions (assign to me or others,
complete, cancel, reopen). Thin: parse → task service → page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from klinik.audit.choices import Channel
from klinik.core.choices import Role
from klinik.core.errors import DomainError, form_error_add
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.desk.tasks.forms import AssignForm, CloseForm, CommentForm, TaskForm
from klinik.pathways.choices import TaskStatus
from klinik.pathways.models import Task
from klinik.pathways.task_access import access_task
from klinik.pathways.task_selectors import task_comments
from klinik.pathways.task_services import (
    task_assign,
    task_cancel,
    task_comment,
    task_complete,
    task_create,
    task_reopen,
    task_take,
)
from klinik.patients.access import access_patient
from klinik.patients.errors import BreakGlassRequired
from klinik.patients.models import Patient
from klinik.patients.selectors import PatientHit, patient_search
from klinik.worklist.selectors import worklist_people, worklist_units

# The services name the assignee fields; the form has one list for them.
_FIELDS = {"assignee": "assign_to", "assignee_role": "assign_to", "text": "comment"}


def _choices(request: ActorRequest) -> dict[str, Any]:
    actor = request.actor
    return {
        "actor": actor,
        "units": list(worklist_units(actor=actor)),
        "people": worklist_people(actor=actor),
    }


def _patient(request: ActorRequest, public_id: object, *, logged: bool) -> Patient | None:
    try:
        return access_patient(
            actor=request.actor,
            public_id=str(public_id),
            channel=Channel.UI,
            object_type="task",
            is_logged_by_caller=logged,
        )
    except (Http404, BreakGlassRequired):
        return None


@requires(Perm.TASK_WORK)
def task_create_view(request: ActorRequest) -> HttpResponse:
    actor = request.actor
    choices = _choices(request)
    patient: Patient | None = None
    hits: list[PatientHit] = []
    initial: dict[str, Any] = {"assign_to": "unit"}
    if actor.unit is not None:
        initial["unit"] = str(actor.unit.public_id)
    if request.method != "POST":
        if request.GET.get("patient"):
            patient = _patient(request, request.GET["patient"], logged=False)
            if patient is not None:
                initial["patient"] = patient.public_id
        form = TaskForm(initial=initial, **choices)
        return _create_page(request, form, patient, hits)
    form = TaskForm(request.POST, **choices)
    if not form.is_valid():
        return _create_page(request, form, None, hits, status=422)
    data = form.cleaned_data
    if data["patient"]:
        patient = _patient(request, data["patient"], logged=True)
        if patient is None:
            form.add_error("patient_query", _("The patient was not found."))
    elif data["patient_query"].strip():
        hits = patient_search(actor=actor, query=data["patient_query"], channel=Channel.UI)
        if len(hits) == 1:
            patient = _patient(request, hits[0].public_id, logged=True)
        elif not hits:
            form.add_error("patient_query", _("No patient matches."))
    if form.errors or (hits and patient is None):
        return _create_page(request, form, patient, hits, status=422)
    assignment = form.assignment()
    try:
        task = task_create(
            actor=actor,
            title=data["title"],
            unit=form.chosen_unit(),
            patient=patient,
            assignee=assignment.user,
            assignee_role=assignment.role,
            due=data["due"],
            priority=data["priority"],
        )
        if data["comment"].strip():
            task_comment(actor=actor, task=task, text=data["comment"])
    except DomainError as error:
        form_error_add(form, error, _FIELDS)
        return _create_page(request, form, patient, hits, status=422)
    messages.success(request, _("The task has been created."))
    return redirect("task_detail", task_id=task.public_id)


def _create_page(
    request: ActorRequest,
    form: TaskForm,
    patient: Patient | None,
    hits: list[PatientHit],
    *,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "desk/tasks/new.html",
        {"form": form, "patient": patient, "hits": hits},
        status=status,
    )


@requires(Perm.TASK_WORK)
@require_GET
def task_detail_view(request: ActorRequest, task_id: str) -> HttpResponse:
    task = access_task(actor=request.actor, public_id=task_id, channel=Channel.UI)
    return _detail_page(request, task)


def _detail_page(
    request: ActorRequest,
    task: Task,
    *,
    assign_form: AssignForm | None = None,
    comment_form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    choices = _choices(request)
    if assign_form is None:
        current = (
            f"user:{task.assignee.public_id}"
            if task.assignee
            else (f"role:{task.assignee_role}" if task.assignee_role else "unit")
        )
        assign_form = AssignForm(
            initial={"unit": str(task.unit.public_id), "assign_to": current}, **choices
        )
    return render(
        request,
        "desk/tasks/detail.html",
        {
            "task": task,
            "is_open": task.status == TaskStatus.OPEN,
            "is_mine": task.assignee_id == request.actor.user.pk,
            "assignee_label": _assignee_label(request, task),
            "comments": task_comments(task=task),
            "assign_form": assign_form,
            "comment_form": comment_form or CommentForm(),
            "close_form": CloseForm(),
        },
        status=status,
    )


def _assignee_label(request: ActorRequest, task: Task) -> str:
    if task.assignee is not None:
        if task.assignee_id == request.actor.user.pk:
            return _("You")
        return task.assignee.get_full_name() or task.assignee.username
    if task.assignee_role:
        return f"{Role(task.assignee_role).label} · {task.unit.name}"
    return _("The unit") + f" · {task.unit.name}"


ACTIONS = ("take", "assign", "comment", "complete", "cancel", "reopen")
DONE_MESSAGES = {
    "take": gettext_lazy("The task is yours."),
    "assign": gettext_lazy("The task has been assigned."),
    "comment": gettext_lazy("The comment has been added."),
    "complete": gettext_lazy("The task is done."),
    "cancel": gettext_lazy("The task has been cancelled."),
    "reopen": gettext_lazy("The task is open again."),
}


@requires(Perm.TASK_WORK)
@require_POST
def task_action_view(request: ActorRequest, task_id: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    actor = request.actor
    task = access_task(actor=actor, public_id=task_id, channel=Channel.UI, is_logged_by_caller=True)
    try:
        if action == "take":
            task_take(actor=actor, task=task)
        elif action == "assign":
            form = AssignForm(request.POST, **_choices(request))
            if not form.is_valid():
                return _detail_page(request, task, assign_form=form, status=422)
            assignment = form.assignment()
            try:
                task_assign(
                    actor=actor,
                    task=task,
                    assignee=assignment.user,
                    assignee_role=assignment.role,
                    unit=form.chosen_unit(),
                )
            except DomainError as error:
                form_error_add(form, error, _FIELDS)
                return _detail_page(request, task, assign_form=form, status=422)
        elif action == "comment":
            comment = CommentForm(request.POST)
            if not comment.is_valid():
                return _detail_page(request, task, comment_form=comment, status=422)
            task_comment(actor=actor, task=task, text=comment.cleaned_data["text"])
        elif action in ("complete", "cancel"):
            close = CloseForm(request.POST)
            text = close.cleaned_data["comment"] if close.is_valid() else ""
            service = task_complete if action == "complete" else task_cancel
            service(actor=actor, task=task, comment=text)
        else:
            task_reopen(actor=actor, task=task)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, str(DONE_MESSAGES[action]))
    return redirect("task_detail", task_id=task.public_id)
