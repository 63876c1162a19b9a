"""The work queue's "medcom" kind: received correspondence messages whose CPR matched no
patient (a secretary files them), and our messages whose sending failed. Both wait since the
moment they arrived or failed, and are due at once."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from klinik.core.policy import Actor, Perm
from klinik.core.worklist import WorkItem, WorkKind, WorkQuery, work_rows, work_total, work_url
from klinik.correspondence.messages.choices import CareMessageStatus
from klinik.correspondence.models import CareMessage


def _waiting(actor: Actor, query: WorkQuery) -> QuerySet[CareMessage] | None:
    if not query.unit_ids or query.assignee_id is not None:
        return None  # nobody is assigned a message to file
    rows = CareMessage.objects.filter(
        Q(unit_id__in=query.unit_ids) | Q(unit__isnull=True),
        organisation_id__in=actor.organisation_ids,
        status__in=[CareMessageStatus.UNMATCHED, CareMessageStatus.FAILED],
    )
    if query.due_before is not None:
        rows = rows.filter(created_at__lt=query.due_before)
    return rows


def medcom_work_read(
    actor: Actor, query: WorkQuery, *, counted: bool = True
) -> tuple[list[WorkItem], int]:
    if query.limit <= 0:
        return [], 0
    found = work_rows(
        "medcom",
        actor,
        query,
        counted=counted,
        waiting=_waiting,
        page=lambda rows: (
            rows.annotate(total=work_total(counted=counted))
            .values(
                "total",
                "public_id",
                "unit_id",
                "patient_id",
                "created_at",
                "status",
                "counterpart_name",
            )
            .order_by("created_at", "public_id")[: query.limit]
        ),
    )
    url = work_url("care_message")
    titles: dict[str, str] = {
        CareMessageStatus.UNMATCHED: gettext("Received message: find the patient"),
        CareMessageStatus.FAILED: gettext("MedCom message not sent"),
    }
    items = [
        WorkItem(
            kind="medcom",
            id=str(row["public_id"]),
            title=titles[row["status"]],
            url=url(row["public_id"]),
            due=row["created_at"],
            unit_id=row["unit_id"],
            patient_id=row["patient_id"],
            detail=row["counterpart_name"],
            since=row["created_at"],
        )
        for row in found
    ]
    return items, (found[0]["total"] if found else 0)


MEDCOM_KIND = WorkKind(
    key="medcom",
    label=_("MedCom messages"),
    perm=Perm.RECORD_WRITE,
    order=62,
    read=medcom_work_read,
    rows=_waiting,
)
