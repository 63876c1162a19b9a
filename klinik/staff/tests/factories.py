"""Delegations and instructions for tests, written directly (no access-log entries): the
services are tested on their own."""

from __future__ import annotations

import datetime as dt

from klinik.core.models import Membership, Unit, User
from klinik.staff.models import Delegation, Instruction, InstructionVersion, StaffProfile

LONG_AGO = dt.date(2000, 1, 1)


def instruction_make(
    *,
    doctor: Membership,
    title: str = "Instruks for vaccination",
    text: str = "Sådan vaccinerer du.",
) -> Instruction:
    instruction, created = Instruction.objects.get_or_create(
        organisation=doctor.organisation, title=title, defaults={"owner": doctor.user}
    )
    if created:
        InstructionVersion.objects.create(
            organisation=doctor.organisation,
            instruction=instruction,
            number=1,
            text=text,
            valid_from=LONG_AGO,
            created_by=doctor.user,
        )
    return instruction


def delegation_grant(
    *,
    doctor: Membership,
    delegate: User | None = None,
    role: str = "",
    unit: Unit | None = None,
    task: str = "vaccination",
    valid_from: dt.date = LONG_AGO,
    valid_to: dt.date | None = None,
) -> Delegation:
    """A vaccination delegation (by default) from `doctor` to a person or a role in a unit."""
    instruction = instruction_make(doctor=doctor)
    return Delegation.objects.create(
        organisation=doctor.organisation,
        delegator=doctor.user,
        delegate=delegate,
        delegate_role=role if delegate is None else "",
        unit=unit or doctor.unit,
        task=task,
        kind="framework",
        instruction_version=instruction.versions.get(number=1),
        valid_from=valid_from,
        valid_to=valid_to,
    )


def authorisation_give(doctor: Membership, authorisation_id: str = "0TST1") -> StaffProfile:
    """The doctor's staff profile with the authorisation id the right to delegate needs."""
    profile, _created = StaffProfile.objects.update_or_create(
        organisation=doctor.organisation,
        user=doctor.user,
        defaults={"profession": "doctor", "authorisation_id": authorisation_id},
    )
    return profile
