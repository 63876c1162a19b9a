"""Pathways' kinds on the work queue (core/worklist.py): referrals waiting for visitation and
deadlines coming up (within the warning: the unit's setting, else the organisation's, else 3
working days) or breached.

Each read is one indexed query of at most `query.limit` rows: referrals by (organisation,
unit, status, next_due), deadlines by (organisation, unit, state, due). Neither has an
assignee: asked for one person's items, they answer nothing. A deadline whose rule made a task
that is still open is left to the task (one item for one piece of work).
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm
from klinik.core.worklist import (
    PRIORITY_ACUTE,
    PRIORITY_HIGH,
    PRIORITY_NORMAL,
    WorkItem,
    WorkKind,
    WorkQuery,
    work_rows,
    work_total,
)
from klinik.pathways import engine
from klinik.pathways.choices import DeadlineState, ReferralPriority, ReferralStatus, TaskStatus
from klinik.pathways.models import Deadline, PathwaySettings, Referral
from klinik.pathways.setup import DEFAULT_WARNING_DAYS


def due_moment(day: date) -> datetime:
    """A due date as the queue's due time: the end of that day, local time."""
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def _due_before(query: WorkQuery) -> date | None:
    return timezone.localdate(query.due_before) if query.due_before is not None else None


def _scope(actor: Actor, query: WorkQuery) -> Q:
    return Q(organisation_id__in=actor.organisation_ids, unit_id__in=query.unit_ids)


# Referrals waiting for visitation --------------------------------------------------------------


def _referrals(actor: Actor, query: WorkQuery) -> QuerySet[Referral] | None:
    if query.assignee_id is not None or not query.unit_ids:
        return None  # the unit's work: nobody is assigned it
    rows = Referral.objects.filter(_scope(actor, query), status=ReferralStatus.RECEIVED)
    cutoff = _due_before(query)
    if cutoff is not None:
        rows = rows.filter(next_due__lt=cutoff)
    return rows


def referral_read(
    actor: Actor, query: WorkQuery, *, counted: bool = True
) -> tuple[list[WorkItem], int]:
    """The first `limit` referrals waiting for visitation and how many there are, in one
    query."""
    if query.limit <= 0:
        return [], 0
    rows = work_rows(
        "referral",
        actor,
        query,
        counted=counted,
        waiting=_referrals,
        page=lambda waiting: (
            waiting.annotate(total=work_total(counted=counted))
            # As the queue merges (urgency_key): due, then the acute first ("akut" < "planlagt").
            .order_by("next_due", "priority", "received_at", "id")
            .values_list(
                "total",
                "public_id",
                "unit_id",
                "patient_id",
                "next_due",
                "priority",
                "referrer_name",
            )[: query.limit]
        ),
    )
    title = str(_("Referral to visitate"))
    items = [
        WorkItem(
            kind="referral",
            id=str(public_id),
            title=title,
            url=f"/referrals/{public_id}/",
            due=due_moment(next_due) if next_due else None,
            unit_id=unit_id,
            patient_id=patient_id,
            priority=PRIORITY_ACUTE if priority == ReferralPriority.AKUT else PRIORITY_NORMAL,
            detail=referrer,
        )
        for _total, public_id, unit_id, patient_id, next_due, priority, referrer in rows
    ]
    return items, (rows[0][0] if rows else 0)


# Deadlines coming up and breached ------------------------------------------------------------


def warning_days(organisation_ids: frozenset[int], unit_ids: frozenset[int]) -> dict[int, int]:
    """Per unit: how many working days ahead the queue warns (unit, organisation, default)."""
    rows = list(
        PathwaySettings.objects.filter(organisation_id__in=organisation_ids).filter(
            Q(unit_id__in=unit_ids) | Q(unit__isnull=True)
        )
    )
    if not rows:  # the usual case: nobody changed the default
        return dict.fromkeys(unit_ids, DEFAULT_WARNING_DAYS)
    by_unit = {r.unit_id: r.warning_working_days for r in rows if r.unit_id is not None}
    by_org = {r.organisation_id: r.warning_working_days for r in rows if r.unit_id is None}
    return {
        unit_id: by_unit.get(unit_id, by_org.get(organisation_id, DEFAULT_WARNING_DAYS))
        for unit_id, organisation_id in Unit.objects.filter(pk__in=unit_ids).values_list(
            "pk", "organisation_id"
        )
    }


def _deadlines(actor: Actor, query: WorkQuery) -> QuerySet[Deadline] | None:
    if query.assignee_id is not None or not query.unit_ids:
        return None  # the unit's work: nobody is assigned it
    today = timezone.localdate()
    by_cutoff: dict[date, list[int]] = {}
    for unit_id, days in warning_days(actor.organisation_ids, query.unit_ids).items():
        by_cutoff.setdefault(engine.working_days_add(today, days), []).append(unit_id)
    within = Q(pk__in=[])
    for cutoff, units in by_cutoff.items():
        within |= Q(unit_id__in=units, due__lte=cutoff)
    rows = (
        Deadline.objects.filter(_scope(actor, query), state=DeadlineState.OPEN, is_paused=False)
        .filter(within)
        .exclude(task__status=TaskStatus.OPEN)
    )
    before = _due_before(query)
    if before is not None:
        rows = rows.filter(due__lt=before)
    return rows


def deadline_read(
    actor: Actor, query: WorkQuery, *, counted: bool = True
) -> tuple[list[WorkItem], int]:
    """The first `limit` deadlines coming up or breached and how many there are, in one
    query."""
    waiting = _deadlines(actor, query)
    if waiting is None or query.limit <= 0:
        return [], 0
    today = timezone.localdate()
    rows = list(
        waiting.annotate(total=work_total(counted=counted))
        .order_by("due", "id")
        .values_list(
            "total",
            "public_id",
            "unit_id",
            "due",
            "rule__code",
            "rule__title",
            "referral__public_id",
            "referral__patient_id",
        )[: query.limit]
    )
    items = [
        WorkItem(
            kind="deadline",
            id=str(public_id),
            title=title,
            url=f"/referrals/{referral_id}/",
            due=due_moment(due),
            unit_id=unit_id,
            patient_id=patient_id,
            priority=PRIORITY_HIGH if due < today else PRIORITY_NORMAL,
            detail=code,
        )
        for _total, public_id, unit_id, due, code, title, referral_id, patient_id in rows
        if due is not None  # the query asks for due dates up to a day: never None here
    ]
    return items, (rows[0][0] if rows else 0)


REFERRAL_KIND = WorkKind(
    key="referral",
    label=_("Referrals to visitate"),
    perm=Perm.PATHWAY_VIEW,
    order=10,
    read=referral_read,
    rows=_referrals,
)
DEADLINE_KIND = WorkKind(
    key="deadline",
    label=_("Deadlines"),
    perm=Perm.PATHWAY_VIEW,
    order=20,
    read=deadline_read,
    rows=_deadlines,
)
