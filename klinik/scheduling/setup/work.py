"""The work queue's "absence" kind (core/worklist.py): absences and closings with appointments
still booked inside them, for the desk to move or cancel. A manager who closes a day or
records an absence cannot cancel bookings; the secretaries find them here. Due when the first
of those appointments begins."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from klinik.core.policy import Actor, Perm
from klinik.core.worklist import PRIORITY_HIGH, WorkItem, WorkKind, WorkQuery, work_url
from klinik.scheduling.setup.selectors import (
    AbsenceWithBookings,
    absence_label,
    absences_with_bookings,
)


def _rows(actor: Actor, query: WorkQuery) -> list[AbsenceWithBookings]:
    if not query.unit_ids or query.assignee_id is not None:
        return []  # the unit's work: nobody is assigned it
    rows = absences_with_bookings(
        organisation_ids=actor.organisation_ids, unit_ids=query.unit_ids, now=timezone.now()
    )
    if query.due_before is not None:
        rows = [row for row in rows if row.first < query.due_before]
    return rows


def absence_work_items(actor: Actor, query: WorkQuery) -> list[WorkItem]:
    url = work_url("setup_absence_bookings")
    items = []
    for row in _rows(actor, query)[: query.limit]:
        absence = row.absence
        closing = absence.resource_id is None
        items.append(
            WorkItem(
                kind="absence",
                id=str(absence.public_id),
                title=gettext("Appointments on a closing day")
                if closing
                else gettext("Appointments inside an absence"),
                url=url(absence.public_id),
                due=row.first,
                unit_id=absence.unit_id,
                priority=PRIORITY_HIGH,
                detail=ngettext(
                    "%(label)s: %(count)d appointment to move or cancel",
                    "%(label)s: %(count)d appointments to move or cancel",
                    row.count,
                )
                % {"label": absence_label(absence), "count": row.count},
            )
        )
    return items


def absence_work_count(actor: Actor, query: WorkQuery) -> int:
    return len(_rows(actor, query))


ABSENCE_KIND = WorkKind(
    key="absence",
    label=_("Bookings inside absences"),
    perm=Perm.SCHEDULE_BOOK,
    items=absence_work_items,
    count=absence_work_count,
    order=25,
)
