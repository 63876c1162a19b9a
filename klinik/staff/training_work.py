"""The work queue's "training" kind (core/worklist.py): completed courses that expire (first
aid, resuscitation) within `AHEAD` days — or did in the last `BEHIND` days — and that no later
training in the same course renews, for the staff managers of the person's units. Due at the
end of the expiry day."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from klinik.core.models import Membership
from klinik.core.policy import Actor, Perm
from klinik.core.selectors import user_names
from klinik.core.worklist import WorkItem, WorkKind, WorkQuery
from klinik.staff.choices import TrainingStatus
from klinik.staff.models import Training

AHEAD = 60
BEHIND = 30
DAY_END = time(23, 59, 59)


def _waiting(actor: Actor, query: WorkQuery) -> QuerySet[Training]:
    today = timezone.localdate()
    renewed = Training.objects.filter(
        organisation_id=OuterRef("organisation_id"),
        user_id=OuterRef("user_id"),
        course_id=OuterRef("course_id"),
        starts_on__gt=OuterRef("starts_on"),
    ).exclude(status=TrainingStatus.CANCELLED)
    in_units = Membership.objects.filter(
        organisation_id=OuterRef("organisation_id"),
        user_id=OuterRef("user_id"),
        unit_id__in=query.unit_ids,
        is_active=True,
    )
    rows = (
        Training.objects.filter(
            organisation_id__in=actor.organisation_ids,
            status=TrainingStatus.COMPLETED,
            expires_on__lte=today + timedelta(days=AHEAD),
            expires_on__gte=today - timedelta(days=BEHIND),
        )
        .filter(Exists(in_units))
        .exclude(Exists(renewed))
    )
    if query.assignee_id is not None or query.unassigned_only:
        return rows.none()  # renewals wait for the managers, not for one person
    if query.due_before is not None:
        rows = rows.filter(expires_on__lt=timezone.localtime(query.due_before).date())
    return rows


def training_work_items(actor: Actor, query: WorkQuery) -> list[WorkItem]:
    if query.limit <= 0 or not query.unit_ids:
        return []
    rows = list(
        _waiting(actor, query)
        .select_related("course")
        .order_by("expires_on", "created_at", "public_id")[: query.limit]
    )
    if not rows:
        return []
    people = user_names(ids={t.user_id for t in rows})
    units = dict(
        Membership.objects.filter(
            user_id__in={t.user_id for t in rows}, unit_id__in=query.unit_ids, is_active=True
        ).values_list("user_id", "unit_id")
    )
    url = reverse("staff_matrix")
    zone = timezone.get_default_timezone()
    return [
        WorkItem(
            kind="training",
            id=str(t.public_id),
            title=gettext("Course to renew: %(course)s")
            % {"course": f"{t.course.number} {t.course.title}"},
            url=url,
            due=datetime.combine(t.expires_on, DAY_END, tzinfo=zone),  # type: ignore[arg-type]
            unit_id=units.get(t.user_id),
            detail=gettext("For: %(who)s") % {"who": people.get(t.user_id, "")},
            since=t.created_at,
            is_all_day=True,
        )
        for t in rows
    ]


def training_work_count(actor: Actor, query: WorkQuery) -> int:
    if not query.unit_ids:
        return 0
    return _waiting(actor, query).count()


TRAINING_KIND = WorkKind(
    key="training",
    label=_("Courses to renew"),
    perm=Perm.STAFF_MANAGE,
    items=training_work_items,
    count=training_work_count,
    order=85,
)
