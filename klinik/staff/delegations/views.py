"""The delegation register and the instructions library, for everyone on a clinic's staff:
doctors delegate; everyone reads the instructions and confirms having read them."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klinik.core.errors import form_error_add
from klinik.core.http import ActorRequest
from klinik.core.models import Membership, Organisation
from klinik.core.policy import Actor, requires
from klinik.core.selectors import organisation_units
from klinik.staff.delegation import (
    AUTHORISED_ROLES,
    delegation_create,
    delegation_list,
    instruction_create,
    instruction_current_version,
    instruction_list,
    instruction_read_confirm,
    instruction_reads,
    instruction_version_add,
)
from klinik.staff.delegations.forms import DelegationForm, InstructionForm, InstructionVersionForm
from klinik.staff.errors import StaffDomainError
from klinik.staff.models import Instruction


def _organisation(request: ActorRequest) -> Organisation:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None or actor.organisation is None:
        raise Http404
    return actor.organisation


@requires()
def delegation_register_view(request: ActorRequest) -> HttpResponse:
    organisation = _organisation(request)
    actor = request.actor
    can_delegate = actor.role in AUTHORISED_ROLES
    form = DelegationForm(
        request.POST or None,
        members=Membership.objects.filter(organisation=organisation, is_active=True)
        .exclude(user=actor.user)
        .select_related("user", "unit")
        .order_by("user__first_name", "user__last_name"),
        units=organisation_units(organisation=organisation),
        instructions=instruction_list(organisation=organisation),
        initial={"unit": actor.unit},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            delegation_create(
                actor=actor,
                task=data["task"],
                instruction=data["instruction"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                review_on=data["review_on"],
                delegate=data["delegate"].user if data["delegate"] else None,
                delegate_role="" if data["delegate"] else data["delegate_role"],
                unit=data["unit"],
            )
        except StaffDomainError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("The delegation has been recorded."))
            return redirect("delegations")
    return render(
        request,
        "staff/delegations/register.html",
        {
            "delegations": delegation_list(organisation=organisation),
            "form": form,
            "can_delegate": can_delegate,
        },
        status=400 if form.errors else 200,
    )


@requires()
def instruction_library_view(request: ActorRequest) -> HttpResponse:
    organisation = _organisation(request)
    actor = request.actor
    form = InstructionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            instruction = instruction_create(
                actor=actor,
                title=data["title"],
                text=data["text"],
                valid_from=data["valid_from"],
                review_on=data["review_on"],
            )
        except StaffDomainError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("The instruction has been added."))
            return redirect("instruction_detail", public_id=instruction.public_id)
    instructions = list(instruction_list(organisation=organisation))
    read = instruction_reads(organisation=organisation, user=actor.user)
    rows = [
        (instruction, version, version is not None and version.pk in read)
        for instruction in instructions
        for version in [instruction_current_version(instruction)]
    ]
    return render(
        request,
        "staff/delegations/instructions.html",
        {"rows": rows, "form": form},
        status=400 if form.errors else 200,
    )


def _instruction(request: ActorRequest, public_id: str) -> Instruction:
    organisation = _organisation(request)
    found = (
        Instruction.objects.select_related("owner")
        .filter(public_id=public_id, organisation=organisation)
        .first()
    )
    if found is None:
        raise Http404
    return found


@requires()
def instruction_detail_view(request: ActorRequest, public_id: str) -> HttpResponse:
    instruction = _instruction(request, public_id)
    actor = request.actor
    form = InstructionVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            instruction_version_add(
                actor=actor,
                instruction=instruction,
                text=form.cleaned_data["text"],
                valid_from=form.cleaned_data["valid_from"],
            )
        except StaffDomainError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("The new version has been saved."))
            return redirect("instruction_detail", public_id=instruction.public_id)
    versions = list(instruction.versions.select_related("created_by").order_by("-number"))
    read = instruction_reads(organisation=instruction.organisation, user=actor.user)
    return render(
        request,
        "staff/delegations/instruction_detail.html",
        {
            "instruction": instruction,
            "current": versions[0] if versions else None,
            "versions": versions,
            "has_read": bool(versions) and versions[0].pk in read,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@requires()
@require_POST
def instruction_read_view(request: ActorRequest, public_id: str) -> HttpResponse:
    instruction = _instruction(request, public_id)
    version = instruction_current_version(instruction)
    if version is None:
        raise Http404
    instruction_read_confirm(actor=request.actor, version=version)
    messages.success(request, _("You have confirmed reading the instruction."))
    return redirect("instruction_detail", public_id=instruction.public_id)
