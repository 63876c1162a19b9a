"""The work queue's "outbox" kind: messages that failed to send (the gateway refused them or
the retries ran out), for the queried units and those of no unit in their organisations.
They were due when they should have gone: they are overdue from the start."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from klinik.core.policy import Actor, Perm
from klinik.core.worklist import WorkItem, WorkKind, WorkQuery, work_rows, work_total, work_url
from klinik.correspondence.choices import MessageChannel, MessageKind, MessageStatus
from klinik.correspondence.models import OutboxMessage


def _failed(actor: Actor, query: WorkQuery) -> QuerySet[OutboxMessage] | None:
    if not query.unit_ids or query.assignee_id is not None:
        return None  # nobody is assigned a failed message
    rows = OutboxMessage.objects.filter(
        Q(unit_id__in=query.unit_ids) | Q(unit__isnull=True),
        organisation_id__in=actor.organisation_ids,
        status=MessageStatus.FAILED,
    )
    if query.due_before is not None:
        rows = rows.filter(scheduled_for__lt=query.due_before)
    return rows


def outbox_work_read(
    actor: Actor, query: WorkQuery, *, counted: bool = True
) -> tuple[list[WorkItem], int]:
    """The first `limit` items and how many there are, in one query."""
    if query.limit <= 0:
        return [], 0
    found = work_rows(
        "outbox",
        actor,
        query,
        counted=counted,
        waiting=_failed,
        page=lambda rows: (
            rows.annotate(total=work_total(counted=counted))
            .values(
                "total",
                "public_id",
                "unit_id",
                "patient_id",
                "scheduled_for",
                "created_at",
                "kind",
                "channel",
            )
            .order_by("scheduled_for", "created_at", "public_id")[: query.limit]
        ),
    )
    title = gettext("Message not sent")
    url = work_url("outbox_message")
    kinds, channels = dict(MessageKind.choices), dict(MessageChannel.choices)
    items = [
        WorkItem(
            kind="outbox",
            id=str(row["public_id"]),
            title=title,
            url=url(row["public_id"]),
            due=row["scheduled_for"],
            unit_id=row["unit_id"],
            patient_id=row["patient_id"],
            detail=f"{kinds.get(row['kind'], row['kind'])} · "
            f"{channels.get(row['channel'], row['channel'])}",
            since=row["created_at"],
        )
        for row in found
    ]
    return items, (found[0]["total"] if found else 0)


OUTBOX_KIND = WorkKind(
    key="outbox",
    label=_("Messages not sent"),
    perm=Perm.SCHEDULE_VIEW,
    order=60,
    read=outbox_work_read,
    rows=_failed,
)
