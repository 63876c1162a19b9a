"""The work queue's "signing" kind: current journal entries waiting for the actor's approval
(those they answer for and, when they may sign, those nobody answers for) in the queried
units. They have no deadline: they come after what is due, the oldest first."""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from klinik.core.policy import Actor, Perm
from klinik.core.worklist import WorkItem, WorkKind, WorkQuery, work_total, work_url
from klinik.records.journal.selectors import journal_waiting_for
from klinik.records.models import JournalEntry


def _waiting(actor: Actor, query: WorkQuery) -> QuerySet[JournalEntry] | None:
    if not query.unit_ids or not actor.organisation_ids or query.due_before is not None:
        return None  # nothing of this kind is ever due
    rows = journal_waiting_for(actor=actor).filter(unit_id__in=query.unit_ids)
    if query.assignee_id is not None:
        rows = rows.filter(responsible_id=query.assignee_id)
    if query.unassigned_only:
        rows = rows.filter(responsible__isnull=True)
    return rows


def signing_work_read(
    actor: Actor, query: WorkQuery, *, counted: bool = True
) -> tuple[list[WorkItem], int]:
    """The first `limit` items and how many there are, in one query."""
    rows = _waiting(actor, query)
    if rows is None or query.limit <= 0:
        return [], 0
    found = list(
        rows.annotate(patient_public_id=F("patient__public_id"), total=work_total(counted=counted))
        .values(
            "total",
            "public_id",
            "unit_id",
            "patient_id",
            "patient_public_id",
            "responsible_id",
            "recorded_at",
            "title",
            "entry_type",
        )
        .order_by("recorded_at", "public_id")[: query.limit]
    )
    title = gettext("Approve journal entry")
    url = work_url("record_journal")
    items = [
        WorkItem(
            kind="signing",
            id=str(row["public_id"]),
            title=title,
            url=url(row["patient_public_id"]),
            due=None,
            unit_id=row["unit_id"],
            patient_id=row["patient_id"],
            assignee_id=row["responsible_id"],
            detail=row["title"],
            since=row["recorded_at"],
        )
        for row in found
    ]
    return items, (found[0]["total"] if found else 0)


SIGNING_KIND = WorkKind(
    key="signing",
    label=_("Entries to approve"),
    perm=Perm.RECORD_SIGN,
    order=50,
    read=signing_work_read,
    rows=_waiting,
)
