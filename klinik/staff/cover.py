"""Who may do a task on a day, by the register (issue 17 item 6, "who can cover this task
tomorrow"): for a task from the doctor's reserved area, the doctors and those holding a valid
delegation of it (by name or by their role in the unit); for a competence, those assessed in it
and not expired. Whether they are at work that day is the scheduling side's answer, combined
with this one in `desk` (staff may not import scheduling).

No patient data: nothing to log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from klinik.core.choices import Role
from klinik.core.models import Membership, Organisation, User
from klinik.staff.choices import DelegatedTask, Level
from klinik.staff.delegation import AUTHORISED_ROLES
from klinik.staff.models import Competence, Delegation, PersonCompetence
from klinik.staff.selectors import competence_list

# Roles that do no clinic work themselves: never offered as cover.
_NOT_COVER = frozenset({Role.MANAGER, Role.SYSTEM_ADMIN})
_LEVEL_RANK = {value: rank for rank, value in enumerate(Level.values)}


@dataclass(frozen=True)
class Capable:
    """A person who may do the task on the day, and why."""

    user: User
    roles: str  # "Sygeplejerske (Lægehuset)"
    basis: str  # what makes them able: a delegation, the doctor's authorisation, a level
    rank: int  # higher first: doctors and experts before beginners


def cover_tasks(*, organisation: Organisation) -> list[tuple[str, str]]:
    """The tasks one can ask about: the delegable tasks and the organisation's competences,
    as (key, label); keys are "delegated:<task>" and "competence:<code>"."""
    tasks = [(f"delegated:{value}", str(label)) for value, label in DelegatedTask.choices]
    competences = [
        (f"competence:{c.code}", c.name) for c in competence_list(organisation=organisation)
    ]
    return tasks + competences


def _members(organisation: Organisation) -> dict[int, tuple[User, list[Membership]]]:
    people: dict[int, tuple[User, list[Membership]]] = {}
    for m in (
        Membership.objects.filter(organisation=organisation, is_active=True, unit__isnull=False)
        .exclude(role__in=_NOT_COVER)
        .select_related("user", "unit")
        .order_by("user__first_name", "user__last_name", "pk")
    ):
        people.setdefault(m.user_id, (m.user, []))[1].append(m)
    return people


def _roles(memberships: list[Membership]) -> str:
    return ", ".join(f"{m.get_role_display()} ({m.unit})" for m in memberships)


def people_able(*, organisation: Organisation, task: str, on: dt.date) -> list[Capable]:
    """Everyone on the staff who may do `task` (a key of `cover_tasks`) on `on`, the most able
    first. An unknown key: nobody."""
    kind, _sep, value = task.partition(":")
    people = _members(organisation)
    if kind == "delegated" and value in DelegatedTask.values:
        return _delegated(organisation, people, value, on)
    if kind == "competence":
        competence = Competence.objects.filter(
            Q(organisation__isnull=True) | Q(organisation=organisation), code=value
        ).first()
        if competence is not None:
            return _competent(organisation, people, competence, on)
    return []


def _delegated(
    organisation: Organisation,
    people: dict[int, tuple[User, list[Membership]]],
    task: str,
    on: dt.date,
) -> list[Capable]:
    valid = (
        Delegation.objects.filter(organisation=organisation, task=task, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=on))
        .select_related("delegator", "instruction_version__instruction")
        .order_by("valid_from", "pk")
    )
    by_person: dict[int, Delegation] = {}
    by_role: dict[tuple[str, int | None], Delegation] = {}
    for d in valid:
        if d.delegate_id is not None:
            by_person.setdefault(d.delegate_id, d)
        else:
            by_role.setdefault((d.delegate_role, d.unit_id), d)
    found = []
    for user_id, (user, memberships) in people.items():
        if any(m.role in AUTHORISED_ROLES for m in memberships):
            found.append(Capable(user, _roles(memberships), _("Doctor (authorised)"), 10))
            continue
        delegation = by_person.get(user_id) or next(
            (by_role[(m.role, m.unit_id)] for m in memberships if (m.role, m.unit_id) in by_role),
            None,
        )
        if delegation is not None:
            found.append(Capable(user, _roles(memberships), _basis(delegation), 5))
    return sorted(found, key=lambda c: -c.rank)


def _basis(delegation: Delegation) -> str:
    delegator = delegation.delegator.get_full_name() or delegation.delegator.username
    text = _("Delegation from %(doctor)s under %(instruction)s") % {
        "doctor": delegator,
        "instruction": delegation.instruction_version.instruction.title,
    }
    end = delegation.valid_to
    if delegation.revoked_on is not None and (end is None or delegation.revoked_on <= end):
        end = delegation.revoked_on - dt.timedelta(days=1)
    if end is not None:
        text += ", " + _("until %(date)s") % {"date": date_format(end, "d.m.Y")}
    return text


def _competent(
    organisation: Organisation,
    people: dict[int, tuple[User, list[Membership]]],
    competence: Competence,
    on: dt.date,
) -> list[Capable]:
    held = (
        PersonCompetence.objects.filter(
            organisation=organisation, competence=competence, user_id__in=people
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=on))
        .filter(assessed_on__lte=on)
    )
    labels = dict(Level.choices)
    found = []
    for pc in held:
        user, memberships = people[pc.user_id]
        basis = _("Level: %(level)s") % {"level": labels[pc.level]}
        found.append(Capable(user, _roles(memberships), basis, _LEVEL_RANK[pc.level]))
    return sorted(found, key=lambda c: (-c.rank, c.user.first_name, c.user.last_name))
