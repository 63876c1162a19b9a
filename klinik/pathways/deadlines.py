"""A referral's deadlines, derived from its events.

The events: the referral's receipt, the markers on its pathway (not those removed), and the
appointments booked on the pathway. From them each deadline gets its start (the receipt, or
the first marker its rule starts from), its pauses, its due date (engine.due_date) and whether
it is met (the first event its rule is met by, on or after the start). Every service that
changes an event calls `deadlines_recompute` in its transaction, so a changed event
re-computes; nothing else writes start, due or state.

Pauses: "not waiting" for a clinical reason (AFV02K1 … AFV02K2) or a waiting period ended by
the patient's wish or a clinical reason (AFV01X2, AFV01X1) until the patient is referred again
(a new AFV01A… marker). A pause still open counts until today: the clock restarts tomorrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from klinik.audit.choices import Channel
from klinik.core.choices import Role
from klinik.core.policy import Actor
from klinik.pathways import engine
from klinik.pathways.choices import (
    STARTS_FROM_REFERRAL,
    DeadlineState,
    ReferralPriority,
    ReferralStatus,
    TaskPriority,
    TaskStatus,
)
from klinik.pathways.models import Deadline, Pathway, PathwayLink, PathwayMarker, Referral, Task
from klinik.pathways.rules import rules_for_rights
from klinik.pathways.task_services import task_insert

PAUSE_STARTS = ("AFV02K1", "AFV01X1", "AFV01X2")
PAUSE_ENDS = ("AFV02K2", "AFV01A")
BOOKING = "booking"


@dataclass(frozen=True)
class Event:
    code: str  # a marker code, or "booking"
    at: datetime

    @property
    def day(self) -> date:
        return timezone.localdate(self.at)


def local_day(moment: datetime) -> date:
    return timezone.localdate(moment)


def referral_events(referral: Referral) -> list[Event]:
    """The markers and bookings on the referral's pathways, in time order."""
    pathway_ids = list(Pathway.objects.filter(referral=referral).values_list("id", flat=True))
    if not pathway_ids:
        return []
    events = [
        Event(code, at)
        for code, at in PathwayMarker.objects.filter(
            pathway_id__in=pathway_ids, removed_at__isnull=True
        ).values_list("code", "at")
    ]
    events += [
        Event(BOOKING, at)
        for at in PathwayLink.objects.filter(
            pathway_id__in=pathway_ids, appointment__isnull=False
        ).values_list("created_at", flat=True)
    ]
    return sorted(events, key=lambda e: e.at)


def pauses_from(events: list[Event], today: date) -> tuple[list[tuple[date, date]], bool]:
    """The pause spans the markers make, and whether a pause is open now."""
    spans: list[tuple[date, date]] = []
    paused_on: date | None = None
    for event in events:
        if paused_on is None and event.code.startswith(PAUSE_STARTS):
            paused_on = event.day
        elif paused_on is not None and event.code.startswith(PAUSE_ENDS):
            spans.append((paused_on, event.day))
            paused_on = None
    if paused_on is not None:
        spans.append((paused_on, max(today, paused_on)))
    return spans, paused_on is not None


def _matches(code: str, prefixes: str) -> bool:
    return any(code.startswith(p) for p in prefixes.split(",") if p)


def deadline_compute(
    deadline: Deadline, referral: Referral, events: list[Event], today: date
) -> None:
    """Set the deadline's derived fields from the events (not saved)."""
    rule = deadline.rule
    start: date | None = None
    if rule.starts_from == STARTS_FROM_REFERRAL:
        start = local_day(referral.received_at)
    else:
        start = next((e.day for e in events if e.code == rule.starts_from), None)
    deadline.start = start
    if start is None:
        deadline.due, deadline.paused_days, deadline.is_paused = None, 0, False
        deadline.state, deadline.met_at = DeadlineState.OPEN, None
        return
    met = next((e for e in events if e.day >= start and _matches(e.code, rule.met_by)), None)
    relevant = [e for e in events if met is None or e.at <= met.at]
    spans, is_open = pauses_from(relevant, today if met is None else met.day)
    deadline.due = engine.due_date(start, rule.length, rule.day_unit, spans)
    deadline.paused_days = engine.paused_days(start, deadline.due, spans, rule.day_unit)
    deadline.is_paused = is_open and met is None
    if referral.status == ReferralStatus.REJECTED:
        deadline.state, deadline.met_at = DeadlineState.CANCELLED, None
    elif met is not None:
        deadline.state, deadline.met_at = DeadlineState.MET, met.at
    else:
        deadline.state, deadline.met_at = DeadlineState.OPEN, None


_DERIVED = ("start", "due", "paused_days", "is_paused", "state", "met_at", "unit_id", "pathway_id")


def deadlines_create(
    referral: Referral, *, actor: Actor | None, channel: Channel
) -> list[Deadline]:
    """The deadlines of a newly received referral's rights (inside the caller's transaction)."""
    rules = rules_for_rights(
        list(referral.rights), received=local_day(referral.received_at), area=referral.area
    )
    Deadline.objects.bulk_create(
        Deadline(
            organisation_id=referral.organisation_id,
            unit_id=referral.unit_id,
            referral=referral,
            rule=rule,
        )
        for rule in rules
    )
    return deadlines_recompute(referral, actor=actor, channel=channel)


def deadlines_recompute(
    referral: Referral, *, actor: Actor | None, channel: Channel
) -> list[Deadline]:
    """Derive every deadline of the referral again from its events; make the task of a rule
    that has one when its clock has started; keep an open rule task's due date with it."""
    today = timezone.localdate()
    events = referral_events(referral)
    pathway_id = (
        Pathway.objects.filter(referral=referral)
        .order_by("started_at")
        .values_list("id", flat=True)
        .first()
    )
    deadlines = list(
        Deadline.objects.filter(referral=referral).select_related("rule", "task").order_by("id")
    )
    for deadline in deadlines:
        before = tuple(getattr(deadline, f) for f in _DERIVED)
        deadline_compute(deadline, referral, events, today)
        deadline.unit_id = referral.unit_id
        deadline.pathway_id = pathway_id
        if tuple(getattr(deadline, f) for f in _DERIVED) != before:
            deadline.save(update_fields=[f.removesuffix("_id") for f in _DERIVED])
        _rule_task(deadline, referral, actor=actor, channel=channel)
    running = [
        d.due for d in deadlines if d.state == DeadlineState.OPEN and d.due and not d.is_paused
    ]
    next_due = min(running) if running else None
    if referral.next_due != next_due:
        referral.next_due = next_due
        Referral.objects.filter(pk=referral.pk).update(next_due=next_due)
    return deadlines


def _rule_task(
    deadline: Deadline, referral: Referral, *, actor: Actor | None, channel: Channel
) -> None:
    rule = deadline.rule
    if not rule.task_title or deadline.start is None:
        return
    task = deadline.task
    if task is None:
        if deadline.state != DeadlineState.OPEN:
            return
        deadline.task = task_insert(
            actor=actor,
            title=rule.task_title,
            unit=referral.unit,
            referral=referral,
            patient=referral.patient,
            assignee_role=Role.SECRETARY,
            due=deadline.due,
            priority=TaskPriority.HIGH
            if referral.priority == ReferralPriority.AKUT
            else TaskPriority.NORMAL,
            source=f"rule:{rule.code}",
            channel=channel,
        )
        deadline.save(update_fields=["task"])
    elif task.status == TaskStatus.OPEN and deadline.state == DeadlineState.CANCELLED:
        # The referral was rejected: nobody is to be told of an udredning.
        Task.objects.filter(pk=task.pk).update(
            status=TaskStatus.CANCELLED, closed_at=timezone.now()
        )
    elif task.status == TaskStatus.OPEN and (
        task.due != deadline.due or task.unit_id != referral.unit_id
    ):
        Task.objects.filter(pk=task.pk).update(due=deadline.due, unit_id=referral.unit_id)
