"""The delegation register and the instructions library, for everyone on a clinic's staff:
doctors delegate; everyone reads the instructions and confirms having read them."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from klinik.core.errors import form_error_add
from klinik.core.http import ActorRequest
from klinik.core.models import Membership, Organisation
from klinik.core.policy import Actor, Perm, requires
from klinik.core.selectors import organisation_units
from klinik.staff.delegation import (
    AUTHORISED_ROLES,
    delegation_create,
    delegation_list,
    delegation_review,
    delegation_revoke,
    instruction_create,
    instruction_current_version,
    instruction_list,
    instruction_read_confirm,
    instruction_reads,
    instruction_version_add,
    may_delegate,
)
from klinik.staff.delegations.forms import (
    DelegationForm,
    InstructionForm,
    InstructionVersionForm,
    ReviewForm,
    RevokeForm,
)
from klinik.staff.errors import StaffDomainError
from klinik.staff.instructions import (
    instruction_may_review,
    instruction_read_overview,
    instruction_review,
)
from klinik.staff.models import Delegation, Instruction


def _organisation(request: ActorRequest) -> Organisation:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None or actor.organisation is None:
        raise Http404
    return actor.organisation


@requires()
def delegation_register_view(request: ActorRequest) -> HttpResponse:
    organisation = _organisation(request)
    actor = request.actor
    can_delegate = may_delegate(actor)
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
            "needs_authorisation_id": actor.role in AUTHORISED_ROLES and not can_delegate,
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
    action = request.POST.get("action", "version") if request.method == "POST" else None
    form = InstructionVersionForm(request.POST if action == "version" else None)
    review_form = ReviewForm(request.POST if action == "review" else None, auto_id="review-%s")
    if action == "version" and form.is_valid():
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
    elif action == "review" and review_form.is_valid():
        try:
            instruction_review(
                actor=actor,
                instruction=instruction,
                next_review_on=review_form.cleaned_data["review_on"],
            )
        except StaffDomainError as exc:
            form_error_add(review_form, exc)
        else:
            messages.success(request, _("The review has been recorded."))
            return redirect("instruction_detail", public_id=instruction.public_id)
    versions = list(instruction.versions.select_related("created_by").order_by("-number"))
    read = instruction_reads(organisation=instruction.organisation, user=actor.user)
    may_review = instruction_may_review(actor, instruction)
    readers = None
    if may_review:
        overview = instruction_read_overview(organisation=instruction.organisation)
        index = [i.pk for i, _v in overview.instructions].index(instruction.pk)
        readers = [(row.user, row.cells[index]) for row in overview.rows]
    return render(
        request,
        "staff/delegations/instruction_detail.html",
        {
            "instruction": instruction,
            "current": versions[0] if versions else None,
            "versions": versions,
            "has_read": bool(versions) and versions[0].pk in read,
            "form": form,
            "review_form": review_form,
            "may_review": may_review,
            "readers": readers,
        },
        status=400 if form.errors or review_form.errors else 200,
    )


@requires(Perm.STAFF_MANAGE)
@require_GET
def instruction_reads_view(request: ActorRequest) -> HttpResponse:
    """Read-confirmations: people by instructions (per instruction down a column, per person
    along a row)."""
    organisation = _organisation(request)
    return render(
        request,
        "staff/delegations/instruction_reads.html",
        {"overview": instruction_read_overview(organisation=organisation)},
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


def _delegation(request: ActorRequest, public_id: str) -> Delegation:
    organisation = _organisation(request)
    found = (
        delegation_list(organisation=organisation)
        .select_related("revoked_by")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


@requires()
def delegation_detail_view(request: ActorRequest, public_id: str) -> HttpResponse:
    """One delegation with its history; an authorised person revokes it (dated, with a reason)
    or records a review with the next review date."""
    delegation = _delegation(request, public_id)
    actor = request.actor
    action = request.POST.get("action") if request.method == "POST" else None
    revoke_form = RevokeForm(
        request.POST if action == "revoke" else None,
        auto_id="revoke-%s",
        initial={"revoked_on": timezone.localdate()},
    )
    review_form = ReviewForm(request.POST if action == "review" else None, auto_id="review-%s")
    if action == "revoke" and revoke_form.is_valid():
        try:
            delegation_revoke(
                actor=actor,
                delegation=delegation,
                revoked_on=revoke_form.cleaned_data["revoked_on"],
                reason=revoke_form.cleaned_data["reason"],
            )
        except StaffDomainError as exc:
            form_error_add(revoke_form, exc)
        else:
            messages.success(request, _("The delegation has been revoked."))
            return redirect("delegation_detail", public_id=delegation.public_id)
    elif action == "review" and review_form.is_valid():
        try:
            delegation_review(
                actor=actor,
                delegation=delegation,
                next_review_on=review_form.cleaned_data["review_on"],
            )
        except StaffDomainError as exc:
            form_error_add(review_form, exc)
        else:
            messages.success(request, _("The review has been recorded."))
            return redirect("delegation_detail", public_id=delegation.public_id)
    failed = bool(revoke_form.errors or review_form.errors)
    return render(
        request,
        "staff/delegations/detail.html",
        {
            "d": delegation,
            "can_delegate": may_delegate(actor),
            "revoke_form": revoke_form,
            "review_form": review_form,
        },
        status=400 if failed else 200,
    )
