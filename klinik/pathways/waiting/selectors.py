"""The waiting-time overview of a unit (issue 14 item 7): the patients waiting with the days
waited and left per right, the breaches, and per month the share of deadlines kept."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.pathways.choices import DeadlineState
from klinik.pathways.models import Deadline, Referral

MONTHS = 12


@dataclass
class RightCell:
    rule: str
    due: date
    waited: int  # days since the clock started
    left: int  # days to the due date (negative: breached)
    is_paused: bool


@dataclass
class WaitingRow:
    referral: Referral
    cells: dict[str, RightCell] = field(default_factory=dict)

    @property
    def is_breached(self) -> bool:
        return any(c.left < 0 and not c.is_paused for c in self.cells.values())


@dataclass
class MonthShare:
    month: date  # the first of the month
    kept: int
    total: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.kept / self.total) if self.total else None


@dataclass
class WaitingOverview:
    unit: Unit
    today: date
    rules: list[str]
    rows: list[WaitingRow]
    breaches: int
    months: list[MonthShare]


def _month_start(day: date, back: int) -> date:
    month = day.month - back
    year = day.year
    while month <= 0:
        month += 12
        year -= 1
    return date(year, month, 1)


def waiting_overview(
    *, actor: Actor, unit: Unit, channel: Channel = Channel.UI, limit: int = 2000
) -> WaitingOverview:
    """One access-log entry for the list of waiting patients."""
    require(actor, Perm.PATHWAY_VIEW)
    if unit.organisation_id not in actor.organisation_ids:
        from django.http import Http404

        raise Http404
    today = timezone.localdate()
    open_deadlines = (
        Deadline.objects.filter(
            organisation_id=unit.organisation_id,
            unit=unit,
            state=DeadlineState.OPEN,
            due__isnull=False,
        )
        .select_related("rule", "referral__patient")
        .order_by("due", "id")[:limit]
    )
    rows: dict[int, WaitingRow] = {}
    rules: set[str] = set()
    for d in open_deadlines:
        assert d.start is not None and d.due is not None
        row = rows.setdefault(d.referral_id, WaitingRow(d.referral))
        row.cells[d.rule.code] = RightCell(
            d.rule.code, d.due, (today - d.start).days, (d.due - today).days, d.is_paused
        )
        rules.add(d.rule.code)
    waiting = sorted(rows.values(), key=lambda r: r.referral.received_at)
    patient_list_log(actor, "waiting_overview", len(waiting), channel)
    first = _month_start(today, MONTHS - 1)
    counted: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    decided = Deadline.objects.filter(
        organisation_id=unit.organisation_id,
        unit=unit,
        due__gte=first,
        due__lt=today,
        state__in=[DeadlineState.OPEN, DeadlineState.MET],
    ).values_list("due", "state", "met_at", "is_paused")
    for due, state, met_at, is_paused in decided:
        if due is None or (state == DeadlineState.OPEN and is_paused):
            continue
        month = due.replace(day=1)
        kept = (
            state == DeadlineState.MET
            and met_at is not None
            and (timezone.localdate(met_at) <= due)
        )
        counted[month][0] += int(kept)
        counted[month][1] += 1
    months = [
        MonthShare(m, *counted.get(m, [0, 0]))
        for m in (_month_start(today, back) for back in range(MONTHS - 1, -1, -1))
    ]
    return WaitingOverview(
        unit=unit,
        today=today,
        rules=sorted(rules),
        rows=waiting,
        breaches=sum(
            1 for r in waiting for c in r.cells.values() if c.left < 0 and not c.is_paused
        ),
        months=months,
    )
