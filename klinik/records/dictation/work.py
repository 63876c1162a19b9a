"""The work queue's "dictation" kind: dictations waiting to be transcribed, or being
transcribed, in the queried units (core/worklist.py). The queue index (organisation, unit,
status, deadline) serves both reads."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from klinik.audit.choices import Channel
from klinik.core.policy import Actor, Perm
from klinik.core.selectors import user_names
from klinik.core.worklist import (
    PRIORITY_HIGH,
    PRIORITY_LOW,
    PRIORITY_NORMAL,
    WorkItem,
    WorkKind,
    WorkQuery,
    work_rows,
    work_total,
    work_url,
)
from klinik.records.access import dictation_access
from klinik.records.choices import DictationPriority, DictationStatus
from klinik.records.dictation.selectors import OPEN_STATUSES
from klinik.records.dictation.services import dictation_take
from klinik.records.models import Dictation

_PRIORITY: dict[str, int] = {
    DictationPriority.URGENT: PRIORITY_HIGH,
    DictationPriority.NORMAL: PRIORITY_NORMAL,
    DictationPriority.LOW: PRIORITY_LOW,
}


def _open(actor: Actor, query: WorkQuery) -> QuerySet[Dictation]:
    rows = Dictation.objects.filter(
        organisation_id__in=actor.organisation_ids,
        unit_id__in=query.unit_ids,
        status__in=OPEN_STATUSES,
    )
    if query.assignee_id is not None:
        rows = rows.filter(taken_by_id=query.assignee_id)
    if query.unassigned_only:
        rows = rows.filter(status=DictationStatus.WAITING)
    if query.due_before is not None:
        rows = rows.filter(deadline__lt=query.due_before)
    return rows


def dictation_work_read(
    actor: Actor, query: WorkQuery, *, counted: bool = True
) -> tuple[list[WorkItem], int]:
    """The first `limit` items and how many there are, in one query."""
    if not query.unit_ids or query.limit <= 0:
        return [], 0
    urgency = Case(
        *[When(priority=p, then=Value(-rank)) for p, rank in _PRIORITY.items()],
        default=Value(-PRIORITY_NORMAL),
        output_field=IntegerField(),
    )
    found = work_rows(
        "dictation",
        actor,
        query,
        counted=counted,
        waiting=_open,
        page=lambda rows: (
            rows.annotate(urgency=urgency, total=work_total(counted=counted))
            .values(
                "total",
                "public_id",
                "unit_id",
                "patient_id",
                "taken_by_id",
                "priority",
                "deadline",
                "created_at",
                "instructions",
                "author_id",
            )
            .order_by("deadline", "urgency", "created_at", "public_id")[: query.limit]
        ),
    )
    # The authors are read after the sort (joining them to every open dictation costs more).
    authors = user_names(ids=(r["author_id"] for r in found))
    title = gettext("Transcribe dictation")
    url = work_url("dictation_work")
    items = []
    for row in found:
        detail = authors.get(row["author_id"], "")
        if row["instructions"]:
            detail = f"{detail} · {row['instructions'][:80]}"
        items.append(
            WorkItem(
                kind="dictation",
                id=str(row["public_id"]),
                title=title,
                url=url(row["public_id"]),
                due=row["deadline"],
                unit_id=row["unit_id"],
                patient_id=row["patient_id"],
                assignee_id=row["taken_by_id"],
                priority=_PRIORITY.get(row["priority"], PRIORITY_NORMAL),
                detail=detail,
                since=row["created_at"],
            )
        )
    return items, (found[0]["total"] if found else 0)


def dictation_work_take(actor: Actor, public_id: str) -> None:
    dictation = dictation_access(actor=actor, public_id=public_id, channel=Channel.UI)
    dictation_take(actor=actor, dictation=dictation)


DICTATION_KIND = WorkKind(
    key="dictation",
    label=_("Dictations to transcribe"),
    perm=Perm.RECORD_WRITE,
    order=40,
    take=dictation_work_take,
    read=dictation_work_read,
    rows=_open,
)
