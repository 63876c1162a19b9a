"""The work queue's "incoming_letter" kind: registered letters and scans that wait for their
patient or to be filed in the record, due from the moment they were registered."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from klinik.core.policy import Actor, Perm
from klinik.core.worklist import WorkItem, WorkKind, WorkQuery, work_rows, work_total, work_url
from klinik.correspondence.letters.choices import IncomingStatus
from klinik.correspondence.models import IncomingLetter

WAITING = [IncomingStatus.UNMATCHED, IncomingStatus.TO_FILE]


def _waiting(actor: Actor, query: WorkQuery) -> QuerySet[IncomingLetter] | None:
    if not query.unit_ids or query.assignee_id is not None:
        return None
    rows = IncomingLetter.objects.filter(
        Q(unit_id__in=query.unit_ids) | Q(unit__isnull=True),
        organisation_id__in=actor.organisation_ids,
        status__in=WAITING,
    )
    if query.due_before is not None:
        rows = rows.filter(registered_at__lt=query.due_before)
    return rows


def incoming_work_read(
    actor: Actor, query: WorkQuery, *, counted: bool = True
) -> tuple[list[WorkItem], int]:
    if query.limit <= 0:
        return [], 0
    found = work_rows(
        "incoming_letter",
        actor,
        query,
        counted=counted,
        waiting=_waiting,
        page=lambda rows: (
            rows.annotate(total=work_total(counted=counted))
            .values(
                "total", "public_id", "unit_id", "patient_id", "registered_at", "status", "sender"
            )
            .order_by("registered_at", "public_id")[: query.limit]
        ),
    )
    url = work_url("incoming_letter")
    titles: dict[str, str] = {
        IncomingStatus.UNMATCHED: gettext("Incoming letter: find the patient"),
        IncomingStatus.TO_FILE: gettext("Incoming letter: file it in the record"),
    }
    items = [
        WorkItem(
            kind="incoming_letter",
            id=str(row["public_id"]),
            title=titles[row["status"]],
            url=url(row["public_id"]),
            due=row["registered_at"],
            unit_id=row["unit_id"],
            patient_id=row["patient_id"],
            detail=row["sender"],
            since=row["registered_at"],
        )
        for row in found
    ]
    return items, (found[0]["total"] if found else 0)


INCOMING_KIND = WorkKind(
    key="incoming_letter",
    label=_("Incoming letters"),
    perm=Perm.RECORD_WRITE,
    order=64,
    read=incoming_work_read,
    rows=_waiting,
)
