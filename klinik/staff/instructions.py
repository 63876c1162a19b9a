"""The instructions library's review dates and read-confirmation overview (issue 17 item 8).

Who has confirmed reading the current version of each instruction, per instruction and per
person; recording a review with the next review date (the work queue reminds the owner before
it). No patient data: reads are not logged, writes are staff changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.models import Membership, Organisation, User
from klinik.core.policy import Actor, Perm
from klinik.staff.errors import StaffCode, StaffDomainError
from klinik.staff.models import Instruction, InstructionRead, InstructionVersion


def instruction_may_review(actor: Actor, instruction: Instruction) -> bool:
    """The owner and the staff managers keep an instruction's review date."""
    return instruction.owner_id == actor.user.pk or actor.can(Perm.STAFF_MANAGE)


def instruction_review(
    *, actor: Actor, instruction: Instruction, next_review_on: dt.date | None
) -> Instruction:
    """Record that the instruction was reviewed today, with the next review date (or none)."""
    organisation = actor.organisation
    if organisation is None or instruction.organisation_id != organisation.pk:
        raise StaffDomainError(
            StaffCode.UNKNOWN_INSTRUCTION,
            StaffDomainError.UNKNOWN_INSTRUCTION % {"title": instruction.title},
        )
    if not instruction_may_review(actor, instruction):
        raise StaffDomainError(StaffCode.NOT_AUTHORISED, StaffDomainError.NOT_AUTHORISED)
    today = timezone.localdate()
    if next_review_on is not None and next_review_on <= today:
        raise StaffDomainError(StaffCode.DATE_IN_PAST, StaffDomainError.DATE_IN_PAST, "review_on")
    with transaction.atomic(durable=True):
        Instruction.objects.filter(pk=instruction.pk).update(
            reviewed_on=today, review_on=next_review_on
        )
        access_log_record(
            actor=actor,
            action=Action.STAFF_CHANGE,
            purpose=Purpose.ADMINISTRATION,
            channel=Channel.UI,
            object_type="instruction",
            object_id=str(instruction.public_id),
            reason="reviewed",
        )
    instruction.refresh_from_db()
    return instruction


@dataclass(frozen=True)
class ReadCell:
    read_at: dt.datetime | None  # of the current version
    older: int | None  # the newest older version read, when the current one is not


@dataclass(frozen=True)
class ReadRow:
    user: User
    cells: list[ReadCell]

    @property
    def unread(self) -> int:
        return sum(1 for c in self.cells if c.read_at is None)


@dataclass(frozen=True)
class ReadOverview:
    instructions: list[tuple[Instruction, InstructionVersion | None]]
    rows: list[ReadRow]
    # per instruction: how many have read the current version
    read_counts: list[int]


def instruction_read_overview(
    *, organisation: Organisation, user: User | None = None
) -> ReadOverview:
    """People on the active staff by instructions: when each confirmed reading the current
    version, or which older version they read. With `user`: that person's row only."""
    instructions = list(Instruction.objects.filter(organisation=organisation).order_by("title"))
    versions = InstructionVersion.objects.filter(organisation=organisation).order_by(
        "instruction_id", "-number"
    )
    current: dict[int, InstructionVersion] = {}
    numbers: dict[int, tuple[int, int]] = {}  # version id -> (instruction id, number)
    for each in versions:
        current.setdefault(each.instruction_id, each)
        numbers[each.pk] = (each.instruction_id, each.number)
    members = Membership.objects.filter(
        organisation=organisation, is_active=True, unit__isnull=False
    ).select_related("user")
    if user is not None:
        members = members.filter(user=user)
    people: dict[int, User] = {}
    for m in members.order_by("user__first_name", "user__last_name", "pk"):
        people.setdefault(m.user_id, m.user)
    reads: dict[tuple[int, int], dt.datetime] = {}  # (user, version) -> read_at
    for user_id, version_id, confirmed_at in InstructionRead.objects.filter(
        organisation=organisation, user_id__in=people
    ).values_list("user_id", "version_id", "read_at"):
        reads[(user_id, version_id)] = confirmed_at
    older: dict[tuple[int, int], int] = {}  # (user, instruction) -> newest number read
    for (user_id, version_id), _read_at in reads.items():
        instruction_id, number = numbers[version_id]
        key = (user_id, instruction_id)
        older[key] = max(older.get(key, 0), number)
    rows = []
    counts = [0] * len(instructions)
    for user_id, person in people.items():
        cells = []
        for index, instruction in enumerate(instructions):
            shown = current.get(instruction.pk)
            read_at = reads.get((user_id, shown.pk)) if shown else None
            if read_at is not None:
                counts[index] += 1
            cells.append(
                ReadCell(read_at, None if read_at else older.get((user_id, instruction.pk)))
            )
        rows.append(ReadRow(person, cells))
    return ReadOverview(
        instructions=[(i, current.get(i.pk)) for i in instructions], rows=rows, read_counts=counts
    )
