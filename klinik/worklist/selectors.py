"""Reads of the work queue: one page of everything that waits, the counts per kind, and the
choices of its filters (units, people).

A page asks each kind the actor may see for at most `offset + page size + 1` items (one more
tells whether a next page exists), merges them by `urgency_key`, reads the page's patients in
one query and writes one access-log entry for the list (ADR 0015). Each kind reads through its
own indexes, so a page costs two queries per kind (its items and its count) whatever the
number of open items.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.core.models import Membership, Unit, User
from klinik.core.policy import Actor, Perm, require
from klinik.core.worklist import WorkItem, WorkKind, WorkQuery, work_items_merge, work_kinds
from klinik.patients.selectors import PatientLabel, patient_labels

PAGE_SIZE = 50
PAGE_SIZE_MAX = 200
OFFSET_MAX = 10_000  # deeper than anyone pages; bounds what each kind is asked for


class Due(StrEnum):
    """The due filter: each includes the overdue (what is due today and is not yet done is
    due today)."""

    ANY = ""
    OVERDUE = "overdue"
    TODAY = "today"
    WEEK = "week"


DUE_LABELS = {
    Due.ANY: _("Any time"),
    Due.OVERDUE: _("Overdue"),
    Due.TODAY: _("Due today"),
    Due.WEEK: _("Due this week"),
}


def due_before(due: Due, now: datetime) -> datetime | None:
    """The moment before which an item must be due to pass the filter: now (overdue), the
    coming local midnight (today), or next Monday's (this week)."""
    if due == Due.OVERDUE:
        return now
    if due == Due.ANY:
        return None
    zone = timezone.get_default_timezone()
    today = timezone.localtime(now, zone).date()
    days = 1 if due == Due.TODAY else 7 - today.weekday()
    return datetime.combine(today + timedelta(days=days), time.min, tzinfo=zone)


@dataclass(frozen=True)
class WorklistFilter:
    """What the user asked for. `unit_ids` None: the actor's own unit."""

    kind: str = ""
    unit_ids: frozenset[int] | None = None
    assignee_id: int | None = None
    unassigned_only: bool = False
    due: Due = Due.ANY


@dataclass(frozen=True)
class WorklistRow:
    item: WorkItem
    kind_label: Any
    patient: PatientLabel | None
    is_overdue: bool
    is_mine: bool
    can_take: bool


@dataclass(frozen=True)
class KindCount:
    key: str
    label: Any
    count: int
    overdue: int | None = None  # only where asked (the dashboard)


@dataclass(frozen=True)
class WorklistPage:
    rows: list[WorklistRow]
    counts: list[KindCount]
    unit_ids: frozenset[int]
    offset: int
    page_size: int
    has_next: bool
    now: datetime

    @property
    def total(self) -> int:
        return sum(c.count for c in self.counts)

    @property
    def next_offset(self) -> int:
        return self.offset + self.page_size

    @property
    def previous_offset(self) -> int:
        return max(self.offset - self.page_size, 0)


def worklist_units(*, actor: Actor) -> QuerySet[Unit]:
    """The units whose queue the actor may open: the active units of their organisations."""
    return Unit.objects.filter(organisation_id__in=actor.organisation_ids, is_active=True).order_by(
        "name"
    )


def worklist_people(*, actor: Actor, unit_ids: frozenset[int] | None = None) -> list[User]:
    """People items can be assigned to: active members of the actor's organisations (of
    these units only, when given: the queue's person filter lists the unit's people)."""
    memberships = Membership.objects.filter(
        organisation_id__in=actor.organisation_ids, is_active=True
    )
    if unit_ids is not None:
        memberships = memberships.filter(unit_id__in=unit_ids)
    user_ids = memberships.values("user_id")
    return list(
        User.objects.filter(pk__in=user_ids, is_active=True).order_by("first_name", "last_name")
    )


def worklist_person(*, actor: Actor, public_id: uuid.UUID) -> User | None:
    """One of `worklist_people` by public id; None for anyone else."""
    user_ids = Membership.objects.filter(
        organisation_id__in=actor.organisation_ids, is_active=True
    ).values("user_id")
    return User.objects.filter(pk__in=user_ids, public_id=public_id, is_active=True).first()


def _unit_scope(actor: Actor, unit_ids: frozenset[int] | None) -> frozenset[int]:
    if unit_ids is None:
        return frozenset({actor.unit.pk}) if actor.unit is not None else frozenset()
    if not unit_ids:
        return frozenset()
    return frozenset(
        worklist_units(actor=actor).filter(pk__in=unit_ids).values_list("pk", flat=True)
    )


def _query(actor: Actor, chosen: WorklistFilter, *, limit: int, now: datetime) -> WorkQuery:
    return WorkQuery(
        unit_ids=_unit_scope(actor, chosen.unit_ids),
        limit=limit,
        assignee_id=chosen.assignee_id,
        unassigned_only=chosen.unassigned_only,
        due_before=due_before(chosen.due, now),
    )


def worklist_page(
    *,
    actor: Actor,
    chosen: WorklistFilter | None = None,
    offset: int = 0,
    page_size: int = PAGE_SIZE,
    channel: Channel = Channel.UI,
) -> WorklistPage:
    """One page of the queue, most urgent first, each row with its patient's name and CPR,
    and how many items each kind holds under the same filters. One access-log entry."""
    require(actor, Perm.PATIENT_VIEW)
    chosen = chosen or WorklistFilter()
    offset = min(max(offset, 0), OFFSET_MAX)
    page_size = min(max(page_size, 1), PAGE_SIZE_MAX)
    now = timezone.now()
    kinds = work_kinds(actor)
    query = _query(actor, chosen, limit=offset + page_size + 1, now=now)
    asked = [k for k in kinds if not chosen.kind or k.key == chosen.kind]
    batches: dict[str, list[WorkItem]] = {}
    totals: dict[str, int] = {}
    # One read with a window count saves PostgreSQL a round trip; SQLite materialises every
    # row for the window and answers the two plain queries faster (bench/worklist.py).
    use_read = connection.vendor == "postgresql"
    for kind in asked:
        if use_read and kind.read is not None:
            batches[kind.key], totals[kind.key] = kind.read(actor, query)
        else:
            batches[kind.key] = kind.items_of(actor, query)
            if len(batches[kind.key]) < query.limit:
                # Fewer items than asked for are all of them: that is the count.
                totals[kind.key] = len(batches[kind.key])
    merged = work_items_merge(batches.values(), offset=offset, limit=page_size + 1)
    items = merged[:page_size]
    labels = patient_labels(actor=actor, ids=[i.patient_id for i in items if i.patient_id])
    by_key = {k.key: k for k in kinds}
    labels_of = {k.key: str(k.label) for k in kinds}
    rows = [
        WorklistRow(
            item=item,
            kind_label=labels_of[item.kind],
            patient=labels.get(item.patient_id) if item.patient_id else None,
            is_overdue=item.is_overdue(now),
            is_mine=item.assignee_id == actor.user.pk,
            can_take=by_key[item.kind].take is not None and item.assignee_id != actor.user.pk,
        )
        for item in items
    ]
    counts = [
        KindCount(k.key, k.label, totals[k.key] if k.key in totals else k.count_of(actor, query))
        for k in kinds
    ]
    patient_list_log(actor, "worklist", len(rows), channel)
    return WorklistPage(
        rows=rows,
        counts=counts,
        unit_ids=query.unit_ids,
        offset=offset,
        page_size=page_size,
        has_next=len(merged) > page_size,
        now=now,
    )


def worklist_counts(*, actor: Actor) -> list[KindCount]:
    """The dashboard's counts for the actor's unit: each kind's open and overdue items. Numbers
    only, no patient: nothing to log."""
    if not actor.can(Perm.PATIENT_VIEW):
        return []
    now = timezone.now()
    query = _query(actor, WorklistFilter(), limit=0, now=now)
    overdue = _query(actor, WorklistFilter(due=Due.OVERDUE), limit=0, now=now)
    counts = []
    for kind in work_kinds(actor):
        count = kind.count_of(actor, query)
        counts.append(
            KindCount(kind.key, kind.label, count, kind.count_of(actor, overdue) if count else 0)
        )
    return counts


def worklist_kind(*, actor: Actor, key: str) -> WorkKind | None:
    """A kind the actor may see, by key."""
    return next((k for k in work_kinds(actor) if k.key == key), None)
