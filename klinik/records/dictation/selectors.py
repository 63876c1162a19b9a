"""Reads of the dictation queue: the queue (urgent first, then by deadline, overdue marked),
the counts for the menu and the dashboard, a patient's dictations, the turnaround per unit and
the authors for the filter. One dictation is read through records.access.dictation_access."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.core import rows
from klinik.core.expressions import HoursBetween
from klinik.core.models import Unit, User
from klinik.core.policy import Actor, Perm
from klinik.patients.models import Patient
from klinik.records.choices import DictationPriority, DictationStatus
from klinik.records.models import Dictation

PRIORITY_ORDER = [DictationPriority.URGENT, DictationPriority.NORMAL, DictationPriority.LOW]
OPEN_STATUSES = (DictationStatus.WAITING, DictationStatus.IN_PROGRESS)
TURNAROUND_DAYS = 30
QUEUE_LIMIT = 300


def _priority_rank() -> Case:
    return Case(
        *[When(priority=p, then=Value(i)) for i, p in enumerate(PRIORITY_ORDER)],
        default=Value(len(PRIORITY_ORDER)),
        output_field=IntegerField(),
    )


def _with_overdue(rows: QuerySet[Dictation], now: datetime) -> QuerySet[Dictation]:
    return rows.annotate(
        is_overdue=Case(
            When(Q(deadline__lt=now) & Q(status__in=OPEN_STATUSES), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def dictation_queue(
    *,
    actor: Actor,
    unit_ids: list[int] | None = None,
    author_id: int | None = None,
    statuses: list[str] | None = None,
    limit: int = QUEUE_LIMIT,
    now: datetime | None = None,
    channel: Channel = Channel.UI,
) -> list[Dictation]:
    """The queue: urgent before normal before low, then the earliest deadline first; each row
    says whether it is overdue. Default: the actor's unit, items waiting or being transcribed.
    The rows name patients: the list is one access-log entry (ADR 0015)."""
    if not actor.organisation_ids:
        return []
    rows = Dictation.objects.filter(organisation_id__in=actor.organisation_ids)
    if unit_ids is None:
        unit_ids = [actor.unit.pk] if actor.unit is not None else []
    if unit_ids:
        rows = rows.filter(unit_id__in=unit_ids)
    if author_id is not None:
        rows = rows.filter(author_id=author_id)
    rows = rows.filter(status__in=statuses or OPEN_STATUSES)
    queue: list[Dictation] = list(
        _with_overdue(rows, now or timezone.now())
        .annotate(priority_rank=_priority_rank())
        .select_related("patient", "author", "taken_by", "unit", "audio")
        .order_by("priority_rank", "deadline", "created_at", "id")[:limit]
    )
    patient_list_log(actor, "dictation_queue", len(queue), channel)
    return queue


def dictation_waiting_count(*, actor: Actor) -> int:
    """Items waiting to be taken in the actor's unit (the navigation's and dashboard's count)."""
    if actor.unit is None or not actor.can(Perm.RECORD_WRITE):
        return 0
    # On every page of a writing role (the menu's badge): written out, as compiling the
    # queryset's COUNT cost ten times running it (klinik.core.rows).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {rows.table(Dictation)} "  # noqa: S608  (constant SQL)
            "WHERE organisation_id = %s AND unit_id = %s AND status = %s",
            [actor.unit.organisation_id, actor.unit.pk, DictationStatus.WAITING.value],
        )
        count: int = cursor.fetchone()[0]
    return count


@dataclass(frozen=True)
class QueueSummary:
    waiting: int
    in_progress: int
    overdue: int
    urgent: int


def dictation_queue_summary(*, actor: Actor, now: datetime | None = None) -> QueueSummary:
    """Counts for the dashboard widget (the actor's unit), in one query."""
    if actor.unit is None:
        return QueueSummary(0, 0, 0, 0)
    now = now or timezone.now()
    counts = Dictation.objects.filter(
        organisation_id=actor.unit.organisation_id,
        unit_id=actor.unit.pk,
        status__in=OPEN_STATUSES,
    ).aggregate(
        waiting=Count("id", filter=Q(status=DictationStatus.WAITING)),
        in_progress=Count("id", filter=Q(status=DictationStatus.IN_PROGRESS)),
        overdue=Count("id", filter=Q(deadline__lt=now)),
        urgent=Count("id", filter=Q(priority=DictationPriority.URGENT)),
    )
    return QueueSummary(**counts)


def dictations_of_patient(*, patient: Patient, limit: int = 100) -> list[Dictation]:
    """The patient's dictations, newest first (call after access_record)."""
    return list(
        _with_overdue(
            Dictation.objects.filter(organisation_id=patient.organisation_id, patient=patient),
            timezone.now(),
        )
        .select_related("author", "taken_by", "unit", "audio")
        .order_by("-created_at", "-id")[:limit]
    )


def percentile(values: list[float], fraction: float) -> float | None:
    """Linear interpolation between the closest ranks (numpy's default); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Turnaround:
    """A unit's turnaround in hours over the period: from dictated to sent for signing, and
    from dictated to signed (median and 90th percentile; None without data)."""

    unit: Unit
    sent_count: int
    sent_median: float | None
    sent_p90: float | None
    signed_count: int
    signed_median: float | None
    signed_p90: float | None


def dictation_turnaround(
    *,
    organisation_id: int,
    unit_ids: list[int] | None = None,
    days: int = TURNAROUND_DAYS,
    now: datetime | None = None,
) -> list[Turnaround]:
    """Per unit of the organisation: hours from created to sent for signing for the items sent
    in the last `days`, and from created to signed for those signed in the last `days`."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    rows = Dictation.objects.filter(
        Q(entry__recorded_at__gte=since) | Q(entry__signature__signed_at__gte=since),
        organisation_id=organisation_id,
        entry__isnull=False,
    )
    if unit_ids:
        rows = rows.filter(unit_id__in=unit_ids)
    sent: dict[int, list[float]] = {}
    signed: dict[int, list[float]] = {}
    for unit_id, created, recorded, signed_at in rows.values_list(
        "unit_id", "created_at", "entry__recorded_at", "entry__signature__signed_at"
    ):
        if recorded >= since:
            sent.setdefault(unit_id, []).append((recorded - created).total_seconds() / 3600)
        if signed_at is not None and signed_at >= since:
            signed.setdefault(unit_id, []).append((signed_at - created).total_seconds() / 3600)
    units = Unit.objects.filter(organisation_id=organisation_id).order_by("name")
    if unit_ids:
        units = units.filter(pk__in=unit_ids)
    result = []
    for unit in units:
        to_sent, to_signed = sent.get(unit.pk, []), signed.get(unit.pk, [])
        if not to_sent and not to_signed:
            continue
        result.append(
            Turnaround(
                unit=unit,
                sent_count=len(to_sent),
                sent_median=percentile(to_sent, 0.5),
                sent_p90=percentile(to_sent, 0.9),
                signed_count=len(to_signed),
                signed_median=percentile(to_signed, 0.5),
                signed_p90=percentile(to_signed, 0.9),
            )
        )
    return result


def dictation_authors(*, organisation_id: int) -> list[User]:
    """Clinicians who have dictated in the organisation (the queue's author filter)."""
    author_ids = (
        Dictation.objects.filter(organisation_id=organisation_id)
        .values_list("author_id", flat=True)
        .distinct()
    )
    return list(User.objects.filter(pk__in=author_ids).order_by("first_name", "last_name"))


@dataclass(frozen=True)
class TurnaroundMonth:
    month: date  # the first day
    completed: int  # dictations transcribed (sent for signing or done)
    in_time: int  # of those, by their deadline
    average_hours: float | None  # from dictated to transcribed


def dictation_turnaround_by_month(*, unit: Unit, first: date, last: date) -> list[TurnaroundMonth]:
    """Per local month of first..last, the unit's dictations transcribed in it: how many, how
    many by their deadline and the average hours from dictation to transcript. One query, the
    counts and averages per month in the database."""
    local = ZoneInfo(settings.TIME_ZONE)
    months = []
    month = first.replace(day=1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        start = datetime.combine(max(month, first), time.min, tzinfo=local)
        end = datetime.combine(min(following - timedelta(days=1), last), time.min, tzinfo=local)
        months.append((month, start, end + timedelta(days=1)))
        month = following
    if not months:
        return []
    # Per month its own range of the (organisation, unit, completed_at) index, the months
    # joined by UNION ALL: three filtered aggregates per month evaluated on every row of the
    # year cost SQLite several times as much.
    per_month = [
        Dictation.objects.filter(
            organisation_id=unit.organisation_id,
            unit_id=unit.pk,
            completed_at__gte=start,
            completed_at__lt=end,
        )
        .annotate(month=Value(i))
        .values("month")
        .annotate(
            done=Count("id"),
            in_time=Count("id", filter=Q(completed_at__lte=F("deadline"))),
            hours=Avg(HoursBetween("created_at", "completed_at")),
        )
        .values_list("month", "done", "in_time", "hours")
        .order_by()
        for i, (_month, start, end) in enumerate(months)
    ]
    rows = per_month[0].union(*per_month[1:], all=True)
    found = {i: (done, in_time, hours) for i, done, in_time, hours in rows}
    result = []
    for i, (month, _start, _end) in enumerate(months):
        done, in_time, hours = found.get(i, (0, 0, None))
        result.append(
            TurnaroundMonth(month, done, in_time, round(hours, 1) if hours is not None else None)
        )
    return result
