"""The work queue's "renewal" kind: requests waiting to be prepared (the unit's, nobody's in
particular) and prepared renewals waiting for the doctor asked to decide (assigned to them).
A renewal is due two days after it arrived (patients are told to ask in good time; clinics
promise an answer within a few working days)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from klinik.core.policy import Actor, Perm
from klinik.core.worklist import (
    PRIORITY_NORMAL,
    WorkItem,
    WorkKind,
    WorkQuery,
    work_rows,
    work_total,
    work_url,
)
from klinik.correspondence.models import Renewal
from klinik.correspondence.renewals.choices import RenewalStatus

DECIDE_WITHIN = timedelta(days=2)


def _open(actor: Actor, query: WorkQuery) -> QuerySet[Renewal] | None:
    if not query.unit_ids:
        return None
    rows = Renewal.objects.filter(
        Q(unit_id__in=query.unit_ids) | Q(unit__isnull=True),
        organisation_id__in=actor.organisation_ids,
    )
    waiting = Q(status=RenewalStatus.REQUESTED)
    if not query.unassigned_only:
        waiting |= Q(status=RenewalStatus.PREPARED)
    rows = rows.filter(waiting)
    if query.assignee_id is not None:
        rows = rows.filter(status=RenewalStatus.PREPARED, doctor_id=query.assignee_id)
    if query.due_before is not None:
        rows = rows.filter(created_at__lt=query.due_before - DECIDE_WITHIN)
    return rows


def renewal_work_read(
    actor: Actor, query: WorkQuery, *, counted: bool = True
) -> tuple[list[WorkItem], int]:
    if query.limit <= 0:
        return [], 0
    found = work_rows(
        "renewal",
        actor,
        query,
        counted=counted,
        waiting=_open,
        page=lambda rows: (
            rows.annotate(total=work_total(counted=counted))
            .values(
                "total",
                "public_id",
                "unit_id",
                "patient_id",
                "created_at",
                "status",
                "medication",
                "doctor_id",
                "request_text",
            )
            .order_by("created_at", "public_id")[: query.limit]
        ),
    )
    url = work_url("renewal_detail")
    to_prepare, to_decide = gettext("Renewal to prepare"), gettext("Renewal to approve")
    items = [
        WorkItem(
            kind="renewal",
            id=str(row["public_id"]),
            title=to_decide if row["status"] == RenewalStatus.PREPARED else to_prepare,
            url=url(row["public_id"]),
            due=row["created_at"] + DECIDE_WITHIN,
            unit_id=row["unit_id"],
            patient_id=row["patient_id"],
            assignee_id=row["doctor_id"] if row["status"] == RenewalStatus.PREPARED else None,
            priority=PRIORITY_NORMAL,
            detail=(row["medication"] or row["request_text"])[:80],
            since=row["created_at"],
        )
        for row in found
    ]
    return items, (found[0]["total"] if found else 0)


RENEWAL_KIND = WorkKind(
    key="renewal",
    label=_("Prescription renewals"),
    perm=Perm.RECORD_READ,
    order=64,
    read=renewal_work_read,
    rows=_open,
)
