"""Who can cover this task tomorrow (issue 17 item 6): the people the staff register allows to
do a task on a day (a delegation, the doctor's authorisation, a competence level), each with
their hours and absences that day from the calendar. Combines staff and scheduling, so it lives
here, above both; the rules stay in their selectors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.desk.cover.forms import CoverForm
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.selectors import StaffDay, staff_days
from klinik.staff.cover import Capable, cover_tasks, people_able


@dataclass(frozen=True)
class CoverRow:
    person: Capable
    day: StaffDay | None
    hours: str
    status: str  # "available", "absent", "off", "unknown"
    status_label: str


def _row(person: Capable, day: StaffDay | None) -> CoverRow:
    if day is None or not day.in_calendar:
        return CoverRow(person, day, "", "unknown", _("Hours not in the calendar"))
    hours = ", ".join(
        f"{start.astimezone(LOCAL):%H:%M}-{end.astimezone(LOCAL):%H:%M}" for start, end in day.hours
    )
    if day.hours:
        return CoverRow(person, day, hours, "available", _("At work"))
    if day.closed:
        return CoverRow(person, day, "", "off", _("Closed: %(day)s") % {"day": day.closed})
    if day.absences:
        return CoverRow(
            person, day, "", "absent", _("Absent: %(why)s") % {"why": ", ".join(day.absences)}
        )
    return CoverRow(person, day, "", "off", _("Not at work"))


_ORDER = {"available": 0, "unknown": 1, "absent": 2, "off": 3}


@requires(Perm.STAFF_MANAGE, Perm.SCHEDULE_VIEW)
@require_GET
def cover_view(request: ActorRequest) -> HttpResponse:
    actor = request.actor
    organisation = actor.organisation
    if organisation is None:
        raise Http404
    tasks = cover_tasks(organisation=organisation)
    tomorrow = timezone.localdate() + timedelta(days=1)
    form = CoverForm(
        request.GET or None, tasks=tasks, initial={"task": tasks[0][0], "day": tomorrow}
    )
    rows: list[CoverRow] = []
    asked = form.is_valid()
    if asked:
        task, day = form.cleaned_data["task"], form.cleaned_data["day"]
        able = people_able(organisation=organisation, task=task, on=day)
        days = staff_days(actor=actor, user_ids={p.user.pk for p in able}, day=day)
        rows = sorted(
            (_row(p, days.get(p.user.pk)) for p in able),
            key=lambda r: (_ORDER[r.status], -r.person.rank),
        )
    return render(
        request,
        "desk/cover/cover.html",
        {"form": form, "rows": rows, "asked": asked, "tasks": dict(tasks)},
        status=400 if form.errors else 200,
    )
