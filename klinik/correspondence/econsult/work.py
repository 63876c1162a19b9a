"""The work queue's "patient_message" kind: new messages waiting for triage (the unit's) and
triaged ones waiting for the clinician's answer (assigned to them). An e-konsultation should
be answered within a working day or so: due a day after it arrived."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from klinik.core.policy import Actor, Perm
from klinik.core.worklist import WorkItem, WorkKind, WorkQuery, work_rows, work_total, work_url
from klinik.correspondence.econsult.choices import PatientMessageStatus
from klinik.correspondence.models import PatientMessage

ANSWER_WITHIN = timedelta(days=1)


def _open(actor: Actor, query: WorkQuery) -> QuerySet[PatientMessage] | None:
    if not query.unit_ids:
        return None
    rows = PatientMessage.objects.filter(
        Q(unit_id__in=query.unit_ids) | Q(unit__isnull=True),
        organisation_id__in=actor.organisation_ids,
    )
    waiting = Q(status=PatientMessageStatus.NEW)
    if not query.unassigned_only:
        waiting |= Q(status=PatientMessageStatus.TRIAGED)
    rows = rows.filter(waiting)
    if query.assignee_id is not None:
        rows = rows.filter(status=PatientMessageStatus.TRIAGED, assigned_to_id=query.assignee_id)
    if query.due_before is not None:
        rows = rows.filter(received_at__lt=query.due_before - ANSWER_WITHIN)
    return rows


def message_work_read(
    actor: Actor, query: WorkQuery, *, counted: bool = True
) -> tuple[list[WorkItem], int]:
    if query.limit <= 0:
        return [], 0
    found = work_rows(
        "patient_message",
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
                "received_at",
                "status",
                "subject",
                "assigned_to_id",
            )
            .order_by("received_at", "public_id")[: query.limit]
        ),
    )
    url = work_url("patient_message_detail")
    to_triage, to_answer = (
        gettext("Patient message to triage"),
        gettext("Patient message to answer"),
    )
    items = [
        WorkItem(
            kind="patient_message",
            id=str(row["public_id"]),
            title=to_answer if row["status"] == PatientMessageStatus.TRIAGED else to_triage,
            url=url(row["public_id"]),
            due=row["received_at"] + ANSWER_WITHIN,
            unit_id=row["unit_id"],
            patient_id=row["patient_id"],
            assignee_id=row["assigned_to_id"],
            detail=row["subject"][:80],
            since=row["received_at"],
        )
        for row in found
    ]
    return items, (found[0]["total"] if found else 0)


PATIENT_MESSAGE_KIND = WorkKind(
    key="patient_message",
    label=_("Patient messages"),
    perm=Perm.RECORD_READ,
    order=65,
    read=message_work_read,
    rows=_open,
)
