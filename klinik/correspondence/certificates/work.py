"""The work queue's "certificate" kind: requested and written certificates not yet sent, due
at the end of their reply day (shown without a time)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from klinik.core.policy import Actor, Perm
from klinik.core.worklist import WorkItem, WorkKind, WorkQuery, work_rows, work_total, work_url
from klinik.correspondence.certificates.choices import OPEN_CERTIFICATE_STATUSES, CertificateStatus
from klinik.correspondence.models import Certificate


def _day_end(day: date) -> datetime:
    local = timezone.get_default_timezone()
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=local)


def _open(actor: Actor, query: WorkQuery) -> QuerySet[Certificate] | None:
    if not query.unit_ids:
        return None
    rows = Certificate.objects.filter(
        Q(unit_id__in=query.unit_ids) | Q(unit__isnull=True),
        organisation_id__in=actor.organisation_ids,
        status__in=OPEN_CERTIFICATE_STATUSES,
    )
    if query.assignee_id is not None:
        rows = rows.filter(assigned_to_id=query.assignee_id)
    elif query.unassigned_only:
        rows = rows.filter(assigned_to__isnull=True)
    if query.due_before is not None:
        rows = rows.filter(due_on__lt=timezone.localtime(query.due_before).date())
    return rows


def certificate_work_read(
    actor: Actor, query: WorkQuery, *, counted: bool = True
) -> tuple[list[WorkItem], int]:
    if query.limit <= 0:
        return [], 0
    found = work_rows(
        "certificate",
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
                "due_on",
                "created_at",
                "status",
                "certificate_type__code",
                "requester",
                "assigned_to_id",
            )
            .order_by("due_on", "created_at", "public_id")[: query.limit]
        ),
    )
    url = work_url("certificate_detail")
    to_write, to_send = gettext("Certificate to write"), gettext("Certificate to send")
    items = [
        WorkItem(
            kind="certificate",
            id=str(row["public_id"]),
            title=to_send if row["status"] == CertificateStatus.WRITTEN else to_write,
            url=url(row["public_id"]),
            due=_day_end(row["due_on"]),
            is_all_day=True,
            unit_id=row["unit_id"],
            patient_id=row["patient_id"],
            assignee_id=row["assigned_to_id"],
            detail=f"{row['certificate_type__code']} · {row['requester']}"[:120],
            since=row["created_at"],
        )
        for row in found
    ]
    return items, (found[0]["total"] if found else 0)


CERTIFICATE_KIND = WorkKind(
    key="certificate",
    label=_("Certificates"),
    perm=Perm.RECORD_READ,
    order=66,
    read=certificate_work_read,
    rows=_open,
)
