"""The work queue's "letter" kind: letters whose sending failed (Digital Post refused them, no
e-mail address), due from the moment they failed."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from klinik.core.policy import Actor, Perm
from klinik.core.worklist import WorkItem, WorkKind, WorkQuery, work_rows, work_total, work_url
from klinik.correspondence.letters.choices import LetterChannel, LetterStatus
from klinik.correspondence.models import Letter


def _failed(actor: Actor, query: WorkQuery) -> QuerySet[Letter] | None:
    if not query.unit_ids or query.assignee_id is not None:
        return None
    rows = Letter.objects.filter(
        Q(unit_id__in=query.unit_ids) | Q(unit__isnull=True),
        organisation_id__in=actor.organisation_ids,
        status=LetterStatus.FAILED,
    )
    if query.due_before is not None:
        rows = rows.filter(created_at__lt=query.due_before)
    return rows


def letter_work_read(
    actor: Actor, query: WorkQuery, *, counted: bool = True
) -> tuple[list[WorkItem], int]:
    if query.limit <= 0:
        return [], 0
    found = work_rows(
        "letter",
        actor,
        query,
        counted=counted,
        waiting=_failed,
        page=lambda rows: (
            rows.annotate(total=work_total(counted=counted))
            .values(
                "total", "public_id", "unit_id", "patient_id", "created_at", "channel", "subject"
            )
            .order_by("created_at", "public_id")[: query.limit]
        ),
    )
    url = work_url("letter_detail")
    channels = dict(LetterChannel.choices)
    title = gettext("Letter not sent")
    items = [
        WorkItem(
            kind="letter",
            id=str(row["public_id"]),
            title=title,
            url=url(row["public_id"]),
            due=row["created_at"],
            unit_id=row["unit_id"],
            patient_id=row["patient_id"],
            detail=f"{row['subject']} · {channels.get(row['channel'], row['channel'])}",
            since=row["created_at"],
        )
        for row in found
    ]
    return items, (found[0]["total"] if found else 0)


LETTER_KIND = WorkKind(
    key="letter",
    label=_("Letters not sent"),
    perm=Perm.RECORD_WRITE,
    order=63,
    read=letter_work_read,
    rows=_failed,
)
