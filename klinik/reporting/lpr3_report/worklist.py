"""The work queue's "lpr3_error" kind: the open errors of the units' LPR3 reports (ADR 0019),
due at the end of their deadline day, the oldest deadline first. Warnings stay on the error
list only. One indexed query (organisation, unit, fixed_at, deadline) per page."""

from __future__ import annotations

from datetime import datetime, time

from django.db.models import QuerySet
from django.utils import timezone
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
)
from klinik.reporting.lpr3_report.models import Lpr3Finding, Severity
from klinik.reporting.lpr3_report.selectors import fix_url, open_findings


def _open(actor: Actor, query: WorkQuery) -> QuerySet[Lpr3Finding] | None:
    if query.assignee_id is not None or not query.unit_ids:
        return None  # the unit's work: nobody is assigned it
    rows = open_findings(organisation_ids=actor.organisation_ids, unit_ids=query.unit_ids).filter(
        severity=Severity.ERROR
    )
    if query.due_before is not None:
        rows = rows.filter(deadline__lt=timezone.localdate(query.due_before))
    return rows


def lpr3_error_read(
    actor: Actor, query: WorkQuery, *, counted: bool = True
) -> tuple[list[WorkItem], int]:
    if query.limit <= 0:
        return [], 0
    rows = work_rows(
        "lpr3_error",
        actor,
        query,
        counted=counted,
        waiting=_open,
        page=lambda waiting: (
            waiting.annotate(total=work_total(counted=counted))
            .order_by("deadline", "first_seen", "public_id")
            .values(
                "total",
                "public_id",
                "unit_id",
                "patient_id",
                "rule",
                "message",
                "deadline",
                "first_seen",
                "patient__public_id",
                "contact__public_id",
                "pathway__public_id",
            )[: query.limit]
        ),
    )
    items = [
        WorkItem(
            kind="lpr3_error",
            id=str(r["public_id"]),
            title=gettext("LPR error %(rule)s") % {"rule": r["rule"]},
            url=fix_url(
                rule=r["rule"],
                patient_public_id=r["patient__public_id"],
                contact_public_id=r["contact__public_id"],
                pathway_public_id=r["pathway__public_id"],
            ),
            due=timezone.make_aware(datetime.combine(r["deadline"], time(23, 59, 59)))
            if r["deadline"]
            else None,
            unit_id=r["unit_id"],
            patient_id=r["patient_id"],
            priority=PRIORITY_NORMAL,
            detail=r["message"][:120],
            since=r["first_seen"],
            is_all_day=True,
        )
        for r in rows
    ]
    return items, (rows[0]["total"] if rows else 0)


LPR3_ERROR_KIND = WorkKind(
    key="lpr3_error",
    label=_("LPR reporting errors"),
    perm=Perm.REPORT_LPR3,
    order=80,
    read=lpr3_error_read,
    rows=_open,
)
