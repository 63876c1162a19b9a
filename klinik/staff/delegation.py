"""The delegation register and the instructions library: writes, reads and the check that
records asks before it writes a delegated act (docs/adr/0025-delegation-register.md).

A doctor (the authorised person for the doctor's reserved area) delegates a task to a named
person, or to a role in a unit, under a version of a written instruction, for a period.
Recording a vaccination given by anyone but a doctor needs a delegation valid on the day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.choices import Role
from klinik.core.models import Membership, Organisation, Unit, User
from klinik.core.policy import Actor
from klinik.staff.choices import NOT_DELEGABLE, DelegatedTask, DelegationKind
from klinik.staff.errors import StaffCode, StaffDomainError
from klinik.staff.models import (
    Delegation,
    Instruction,
    InstructionRead,
    InstructionVersion,
    StaffProfile,
)

# The authorised persons for the tasks in `DelegatedTask` (reserved to doctors). To delegate,
# the doctor's staff profile must also carry the authorisation id (`_may_delegate`).
AUTHORISED_ROLES = frozenset({Role.DOCTOR})
TEXT_MAX = 20_000
TITLE_MAX = 200


def _error(code: StaffCode, field: str = "", **params: Any) -> StaffDomainError:
    message = getattr(StaffDomainError, code.name)
    return StaffDomainError(code, message % params if params else message, field)


def _may_delegate(actor: Actor, organisation: Organisation) -> None:
    """The right to delegate: acting as a doctor, with the authorisation id on the staff profile
    (the authorisation register's id names the responsible person). Refuses with 403."""
    if actor.role not in AUTHORISED_ROLES or not _is_authorised(
        organisation_id=organisation.pk, user=actor.user
    ):
        raise _error(StaffCode.NOT_AUTHORISED)
    if not StaffProfile.objects.filter(
        organisation=organisation, user=actor.user, authorisation_id__gt=""
    ).exists():
        name = actor.user.get_full_name() or actor.user.get_username()
        raise _error(StaffCode.NO_AUTHORISATION_ID, person=name)


def _is_authorised(*, organisation_id: int, user: User) -> bool:
    return Membership.objects.filter(
        organisation_id=organisation_id, user=user, role__in=AUTHORISED_ROLES, is_active=True
    ).exists()


def _log(actor: Actor, object_type: str, public_id: object, what: str, channel: Channel) -> None:
    access_log_record(
        actor=actor,
        action=Action.STAFF_CHANGE,
        purpose=Purpose.ADMINISTRATION,
        channel=channel,
        object_type=object_type,
        object_id=str(public_id),
        reason=what,
    )


# Instructions ---------------------------------------------------------------------------------


def instruction_create(
    *,
    actor: Actor,
    title: str,
    text: str,
    valid_from: dt.date,
    review_on: dt.date | None = None,
    channel: Channel = Channel.UI,
) -> Instruction:
    """A new instruction with its first version; the actor owns it."""
    organisation = _organisation(actor)
    title = " ".join((title or "").split())
    if not title:
        raise _error(StaffCode.REQUIRED, "title")
    if len(title) > TITLE_MAX:
        raise StaffDomainError(
            StaffCode.TOO_LONG, StaffDomainError.TOO_LONG % {"max": TITLE_MAX}, "title"
        )
    if not (text or "").strip():
        raise _error(StaffCode.REQUIRED, "text")
    if len(text) > TEXT_MAX:
        raise StaffDomainError(
            StaffCode.TOO_LONG, StaffDomainError.TOO_LONG % {"max": TEXT_MAX}, "text"
        )
    if review_on is not None and review_on < valid_from:
        raise _error(StaffCode.END_BEFORE_START, "review_on")
    try:
        with transaction.atomic(durable=True):
            instruction = Instruction.objects.create(
                organisation=organisation, title=title, owner=actor.user, review_on=review_on
            )
            InstructionVersion.objects.create(
                organisation=organisation,
                instruction=instruction,
                number=1,
                text=text.strip(),
                valid_from=valid_from,
                created_by=actor.user,
            )
            _log(actor, "instruction", instruction.public_id, "created v1", channel)
    except IntegrityError:
        raise _error(StaffCode.TITLE_TAKEN, "title") from None
    return instruction


def instruction_version_add(
    *, actor: Actor, instruction: Instruction, text: str, valid_from: dt.date
) -> InstructionVersion:
    """A new version; delegations keep pointing at the version they were given under."""
    organisation = _organisation(actor)
    if instruction.organisation_id != organisation.pk:
        raise _error(StaffCode.UNKNOWN_INSTRUCTION, "instruction", title=instruction.title)
    if not (text or "").strip():
        raise _error(StaffCode.REQUIRED, "text")
    with transaction.atomic(durable=True):
        locked = Instruction.objects.select_for_update().get(pk=instruction.pk)
        last = locked.versions.order_by("-number").first()
        version = InstructionVersion.objects.create(
            organisation=organisation,
            instruction=locked,
            number=(last.number if last else 0) + 1,
            text=text.strip(),
            valid_from=valid_from,
            created_by=actor.user,
        )
        _log(actor, "instruction", locked.public_id, f"version {version.number}", Channel.UI)
    return version


def instruction_read_confirm(*, actor: Actor, version: InstructionVersion) -> InstructionRead:
    """The actor confirms having read a version (once; again changes nothing)."""
    organisation = _organisation(actor)
    if version.organisation_id != organisation.pk:
        raise _error(StaffCode.UNKNOWN_INSTRUCTION, "instruction", title="")
    with transaction.atomic(durable=True):
        read, _created = InstructionRead.objects.get_or_create(
            organisation=organisation,
            version=version,
            user=actor.user,
            defaults={"read_at": timezone.now()},
        )
    return read


def instruction_list(*, organisation: Organisation) -> QuerySet[Instruction]:
    return (
        Instruction.objects.filter(organisation=organisation)
        .select_related("owner")
        .prefetch_related("versions")
        .order_by("title")
    )


def instruction_by_title(*, organisation: Organisation, title: str) -> Instruction | None:
    return Instruction.objects.filter(
        organisation=organisation, title__iexact=" ".join((title or "").split())
    ).first()


def instruction_current_version(instruction: Instruction) -> InstructionVersion | None:
    return instruction.versions.order_by("-number").first()


def instruction_reads(*, organisation: Organisation, user: User) -> set[int]:
    """The ids of the versions the user has confirmed reading."""
    return set(
        InstructionRead.objects.filter(organisation=organisation, user=user).values_list(
            "version_id", flat=True
        )
    )


# Delegations ----------------------------------------------------------------------------------


def _organisation(actor: Actor) -> Organisation:
    if actor.organisation is None:
        raise _error(StaffCode.NOT_AUTHORISED)
    return actor.organisation


def delegation_create(
    *,
    actor: Actor,
    task: str,
    instruction: Instruction | None,
    valid_from: dt.date | None,
    valid_to: dt.date | None = None,
    review_on: dt.date | None = None,
    delegate: User | None = None,
    delegate_role: str = "",
    unit: Unit | None = None,
    kind: str = DelegationKind.FRAMEWORK,
    channel: Channel = Channel.UI,
) -> Delegation:
    """Record a delegation by the acting doctor. Refuses (nothing written): an actor who is not
    authorised (403), a task never delegable or unknown, a delegate outside the organisation,
    an end before the start, an instruction not in the library."""
    organisation = _organisation(actor)
    _may_delegate(actor, organisation)
    task = (task or "").strip().lower()
    if task in NOT_DELEGABLE:
        raise _error(StaffCode.NOT_DELEGABLE, "task", task=task.capitalize())
    if task not in DelegatedTask.values:
        raise _error(StaffCode.UNKNOWN_TASK, "task", task=task or "—")
    if kind not in DelegationKind.values:
        raise _error(StaffCode.UNKNOWN_TASK, "kind", task=kind)
    if delegate is not None:
        if (
            delegate_role
            or not Membership.objects.filter(
                organisation=organisation, user=delegate, is_active=True
            ).exists()
        ):
            name = delegate.get_full_name() or delegate.get_username()
            raise _error(StaffCode.DELEGATE_NOT_MEMBER, "delegate", person=name)
        if unit is None:
            unit = actor.unit
    elif not delegate_role or unit is None or delegate_role not in Role.values:
        raise _error(StaffCode.ROLE_AND_UNIT, "delegate")
    if unit is not None and unit.organisation_id != organisation.pk:
        raise _error(StaffCode.ROLE_AND_UNIT, "unit")
    if valid_from is None:
        raise _error(StaffCode.REQUIRED, "valid_from")
    if valid_to is not None and valid_to < valid_from:
        raise _error(StaffCode.END_BEFORE_START, "valid_to")
    if review_on is not None and review_on < valid_from:
        raise _error(StaffCode.END_BEFORE_START, "review_on")
    if instruction is None or instruction.organisation_id != organisation.pk:
        raise _error(StaffCode.REQUIRED, "instruction")
    with transaction.atomic(durable=True):
        version = instruction_current_version(instruction)
        if version is None:
            raise _error(StaffCode.REQUIRED, "instruction")
        delegation = Delegation.objects.create(
            organisation=organisation,
            delegator=actor.user,
            delegate=delegate,
            delegate_role=delegate_role if delegate is None else "",
            unit=unit,
            task=task,
            kind=kind,
            instruction_version=version,
            valid_from=valid_from,
            valid_to=valid_to,
            review_on=review_on,
        )
        _log(actor, "delegation", delegation.public_id, f"delegated {task}", channel)
    return delegation


REASON_MAX = 500


def delegation_revoke(
    *,
    actor: Actor,
    delegation: Delegation,
    revoked_on: dt.date | None,
    reason: str,
    channel: Channel = Channel.UI,
) -> Delegation:
    """Revoke a delegation from a day on (today or later): it stays valid on the days before,
    so acts recorded under it stay right, and the register keeps it with the date, the reason
    and who revoked it. Only an authorised person may; nothing is written on a refusal."""
    organisation = _organisation(actor)
    if delegation.organisation_id != organisation.pk:
        raise _error(StaffCode.NOT_MEMBER)
    _may_delegate(actor, organisation)
    if revoked_on is None:
        raise _error(StaffCode.REQUIRED, "revoked_on")
    if revoked_on < timezone.localdate():
        raise _error(StaffCode.REVOKED_IN_PAST, "revoked_on")
    if delegation.valid_to is not None and revoked_on > delegation.valid_to:
        raise _error(
            StaffCode.REVOKED_AFTER_END,
            "revoked_on",
            end=date_format(delegation.valid_to, "d.m.Y"),
        )
    reason = " ".join((reason or "").split())
    if not reason:
        raise _error(StaffCode.REQUIRED, "reason")
    if len(reason) > REASON_MAX:
        raise StaffDomainError(
            StaffCode.TOO_LONG, StaffDomainError.TOO_LONG % {"max": REASON_MAX}, "reason"
        )
    with transaction.atomic(durable=True):
        changed = Delegation.objects.filter(pk=delegation.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(),
            # A delegation not begun yet is revoked from its first day (the constraint wants
            # the revocation within the validity).
            revoked_on=max(revoked_on, delegation.valid_from),
            revoked_by=actor.user,
            revoke_reason=reason,
        )
        if not changed:
            raise _error(StaffCode.ALREADY_REVOKED)
        _log(actor, "delegation", delegation.public_id, f"revoked {delegation.task}", channel)
    delegation.refresh_from_db()
    return delegation


def delegation_review(
    *, actor: Actor, delegation: Delegation, next_review_on: dt.date | None
) -> Delegation:
    """Record that the delegation was reviewed today, with the next review date (or none):
    the reminder on the work queue goes."""
    organisation = _organisation(actor)
    if delegation.organisation_id != organisation.pk:
        raise _error(StaffCode.NOT_MEMBER)
    _may_delegate(actor, organisation)
    if delegation.revoked_at is not None:
        raise _error(StaffCode.ALREADY_REVOKED)
    today = timezone.localdate()
    if next_review_on is not None and next_review_on <= today:
        raise _error(StaffCode.DATE_IN_PAST, "review_on")
    with transaction.atomic(durable=True):
        Delegation.objects.filter(pk=delegation.pk).update(
            reviewed_on=today, review_on=next_review_on
        )
        _log(actor, "delegation", delegation.public_id, "reviewed", Channel.UI)
    delegation.refresh_from_db()
    return delegation


def may_delegate(actor: Actor) -> bool:
    """Whether the actor holds the right to delegate (the screens show the forms then)."""
    if actor.organisation is None:
        return False
    try:
        _may_delegate(actor, actor.organisation)
    except StaffDomainError:
        return False
    return True


def delegation_list(*, organisation: Organisation) -> QuerySet[Delegation]:
    return (
        Delegation.objects.filter(organisation=organisation)
        .select_related("delegator", "delegate", "unit", "instruction_version__instruction")
        .order_by("-valid_from", "task", "pk")
    )


def delegations_valid(
    *, organisation_id: int, user: User, task: str, on: dt.date
) -> QuerySet[Delegation]:
    """The delegations of `task` to the user, or to a role they hold in the delegation's unit,
    valid on `on` and not revoked by then."""
    roles_in_units = Membership.objects.filter(
        organisation_id=organisation_id, user=user, is_active=True, unit__isnull=False
    ).values_list("role", "unit_id")
    by_role = Q()
    for role, unit_id in roles_in_units:
        by_role |= Q(delegate__isnull=True, delegate_role=role, unit_id=unit_id)
    return Delegation.objects.filter(
        Q(delegate=user) | by_role,
        organisation_id=organisation_id,
        task=task,
        valid_from__lte=on,
    ).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on),
        # Revoked from a day on: still valid on the days before it (history stays right).
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=on),
    )


def delegated_act_allowed(*, organisation_id: int, performer: Any, task: str, on: dt.date) -> None:
    """The hook `core.hooks.DELEGATED_ACT_CHECKS`: a doctor may; anyone else needs a valid
    delegation of the task on the day, or is refused naming what is missing."""
    if _is_authorised(organisation_id=organisation_id, user=performer):
        return
    if delegations_valid(
        organisation_id=organisation_id, user=performer, task=task, on=on
    ).exists():
        return
    labels = dict(DelegatedTask.choices)
    raise _error(
        StaffCode.NO_DELEGATION,
        "given_by",
        person=performer.get_full_name() or performer.get_username(),
        task=str(labels.get(task, task)).lower(),
        date=date_format(on, "d.m.Y"),
    )
