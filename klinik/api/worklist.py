"""The work queue over REST: one page of everything that waits, most urgent first."""

from __future__ import annotations

import uuid
from datetime import datetime

from ninja import Router
from ninja.errors import HttpError

from klinik.api.types import Out
from klinik.audit.choices import Channel
from klinik.core.http import ApiRequest
from klinik.core.worklist import work_kinds
from klinik.worklist.selectors import (
    OFFSET_MAX,
    PAGE_SIZE,
    PAGE_SIZE_MAX,
    Due,
    WorklistFilter,
    WorklistRow,
    worklist_page,
    worklist_person,
    worklist_units,
)

router = Router(tags=["worklist"])


class WorkItemOut(Out):
    kind: str
    id: str
    patient: uuid.UUID | None
    title: str
    due: datetime | None
    overdue: bool
    patient_name: str
    patient_cpr: str
    detail: str
    priority: int
    unit: uuid.UUID | None
    url: str
    assigned_to_me: bool


def _item_out(row: WorklistRow, units: dict[int, uuid.UUID]) -> WorkItemOut:
    item = row.item
    return WorkItemOut(
        kind=item.kind,
        id=item.id,
        patient=row.patient.public_id if row.patient else None,
        title=item.title,
        due=item.due,
        overdue=row.is_overdue,
        patient_name=row.patient.name if row.patient else "",
        patient_cpr=row.patient.cpr_display if row.patient else "",
        detail=item.detail,
        priority=item.priority,
        unit=units.get(item.unit_id) if item.unit_id else None,
        url=item.url,
        assigned_to_me=row.is_mine,
    )


def _assignee(request: ApiRequest, assignee: str) -> tuple[int | None, bool]:
    """ "me", "none" (nobody's yet) or a person's public id in the organisation."""
    if not assignee:
        return None, False
    if assignee == "me":
        return request.auth.user.pk, False
    if assignee == "none":
        return None, True
    try:
        key = uuid.UUID(assignee)
    except ValueError as exc:
        raise HttpError(422, "assignee: 'me', 'none' or a person's id") from exc
    user = worklist_person(actor=request.auth, public_id=key)
    if user is None:
        raise HttpError(422, "assignee: not a person in the organisation")
    return user.pk, False


@router.get(
    "/worklist",
    response=list[WorkItemOut],
    summary="The work queue",
    description="Everything that waits for the unit (default: the token's unit) or the user, "
    "most urgent first: each item's `kind`, `id`, `patient`, `title`, `due` and `overdue`. "
    "Filters: `kind`, `assignee` (`me`, `none` or a person's id), `due` (`overdue`, `today`, "
    "`week`); `offset` and `limit` (1-200) page. Opening it is logged once.",
)
def worklist_list(
    request: ApiRequest,
    unit: uuid.UUID | None = None,
    kind: str = "",
    assignee: str = "",
    due: str = "",
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> list[WorkItemOut]:
    actor = request.auth
    units = {u.pk: u.public_id for u in worklist_units(actor=actor)}
    unit_ids: frozenset[int] | None = None
    if unit is not None:
        found = [pk for pk, public_id in units.items() if public_id == unit]
        if not found:
            raise HttpError(404, "unit: not found")
        unit_ids = frozenset(found)
    if kind and kind not in {k.key for k in work_kinds(actor)}:
        raise HttpError(422, "kind: not a kind of work you may see")
    if due not in {d.value for d in Due}:
        raise HttpError(422, "due: one of overdue, today, week")
    if not 0 <= offset <= OFFSET_MAX:
        raise HttpError(422, f"offset: between 0 and {OFFSET_MAX}")
    if not 1 <= limit <= PAGE_SIZE_MAX:
        raise HttpError(422, f"limit: between 1 and {PAGE_SIZE_MAX}")
    assignee_id, unassigned_only = _assignee(request, assignee)
    page = worklist_page(
        actor=actor,
        chosen=WorklistFilter(
            kind=kind,
            unit_ids=unit_ids,
            assignee_id=assignee_id,
            unassigned_only=unassigned_only,
            due=Due(due),
        ),
        offset=offset,
        page_size=limit,
        channel=Channel.API,
    )
    return [_item_out(row, units) for row in page.rows]
