"""What the calendar shows — unit, day, resources, grid — read from the query string (or, on a
bare /calendar/, restored from the session), and the toolbar, navigation and type legend
around the grid."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode

from klinik.core.http import ActorRequest
from klinik.core.models import Unit
from klinik.core.policy import Actor
from klinik.scheduling.calendar.forms import GRID_CHOICES, CalendarForm
from klinik.scheduling.calendar.markup import resource_checkboxes
from klinik.scheduling.calendar.selectors import calendar_resources, calendar_units
from klinik.scheduling.choices import ResourceKind
from klinik.scheduling.models import AppointmentType, Resource
from klinik.scheduling.selectors import appointment_types_for, resources_for

KIND_ORDER: dict[str, int] = {
    ResourceKind.PRACTITIONER: 0,
    ResourceKind.ROOM: 1,
    ResourceKind.EQUIPMENT: 2,
}
SESSION_KEY = "klinik_calendar"  # the last unit, resources and grid, restored on /calendar/
# A value of the calendar's query string: `r` is a list (one per shown resource).
QueryValue = str | int | list[str]


@dataclass
class CalendarState:
    units: list[Unit]
    unit: Unit
    day: date
    resources: list[Resource]  # every active resource of the unit
    shown: list[Resource]
    grid: int
    show_cancelled: bool
    is_default_selection: bool

    @cached_property
    def resource_checkboxes(self) -> str:
        return resource_checkboxes(self.resources, self.shown)

    @cached_property
    def _shown_param(self) -> list[str]:
        return [str(r.public_id) for r in self.shown]

    def params(self, **changes: QueryValue) -> dict[str, QueryValue]:
        params: dict[str, QueryValue] = {"unit": str(self.unit.public_id)}
        if not self.is_default_selection:
            params["r"] = self._shown_param
        params["grid"] = self.grid
        if self.show_cancelled:
            params["cancelled"] = "1"
        params["date"] = self.day.isoformat()
        params.update(changes)
        return params

    def url(self, name: str, **changes: QueryValue) -> str:
        return f"{reverse(name)}?{urlencode(self.params(**changes), doseq=True)}"


def unit_label(unit: Unit, units: list[Unit]) -> str:
    if len({u.organisation_id for u in units}) > 1:
        return f"{unit.organisation.name} · {unit.name}"
    return unit.name


def sorted_resources(resources: Iterable[Resource]) -> list[Resource]:
    return sorted(resources, key=lambda r: (KIND_ORDER.get(r.kind, 9), r.sort_order, r.name))


def unit_practitioners(actor: Actor, unit_id: int) -> list[Resource]:
    return [
        r
        for r in sorted_resources(resources_for(actor=actor, unit_id=unit_id))
        if r.kind == ResourceKind.PRACTITIONER
    ]


def calendar_state(request: ActorRequest) -> CalendarState:
    """Unit, day, resources and grid from the query string. A bare /calendar/ (or a link
    with only unit and date) restores the resources and grid chosen last time."""
    actor = request.actor
    units = calendar_units(actor=actor)
    if not units:
        raise Http404
    remembered = request.session.get(SESSION_KEY)
    remembered = remembered if isinstance(remembered, dict) else {}
    unit = _chosen_unit(actor, units, request.GET, remembered)
    query = _completed_query(request.GET, unit, remembered)
    resources = sorted_resources(calendar_resources(actor=actor, unit=unit))
    form = CalendarForm(
        query,
        units=[(str(u.public_id), unit_label(u, units)) for u in units],
        resources=[(str(r.public_id), r.name) for r in resources],
    )
    form.is_valid()  # each field is read on its own: a bad date must not hide the resources
    data = form.cleaned_data
    chosen = set(data.get("r") or [])
    shown = [r for r in resources if str(r.public_id) in chosen]
    is_default = not shown
    if is_default:
        shown = [r for r in resources if r.kind == ResourceKind.PRACTITIONER] or resources
    state = CalendarState(
        units=units,
        unit=unit,
        day=data.get("date") or timezone.localdate(),
        resources=resources,
        shown=shown,
        grid=data.get("grid") or 15,
        show_cancelled=bool(data.get("cancelled")),
        is_default_selection=is_default,
    )
    _remember(request.session, state, remembered)
    return state


def _chosen_unit(
    actor: Actor, units: list[Unit], query: QueryDict, remembered: Mapping[str, Any]
) -> Unit:
    """The unit asked for (404 if it is not the actor's), else the last one, else their own."""
    unit = None
    if query.get("unit"):
        unit = next((u for u in units if str(u.public_id) == query["unit"]), None)
        if unit is None:
            raise Http404
    elif remembered.get("unit"):
        unit = next((u for u in units if str(u.public_id) == remembered["unit"]), None)
    if unit is None:
        own = actor.unit.pk if actor.unit is not None else None
        unit = next((u for u in units if u.pk == own), units[0])
    return unit


def _completed_query(query: QueryDict, unit: Unit, remembered: Mapping[str, Any]) -> QueryDict:
    """The toolbar form always sends a grid; without one, fill in what was left out."""
    if "grid" in query or remembered.get("unit") != str(unit.public_id):
        return query
    merged = query.copy()
    if "r" not in query:
        merged.setlist("r", [str(v) for v in remembered.get("r", [])])
    merged["grid"] = str(remembered.get("grid", 15))
    if remembered.get("cancelled") and "cancelled" not in query:
        merged["cancelled"] = "1"
    return merged


def _remember(session: SessionBase, state: CalendarState, remembered: Mapping[str, Any]) -> None:
    chosen_now = {
        "unit": str(state.unit.public_id),
        "r": [] if state.is_default_selection else [str(r.public_id) for r in state.shown],
        "grid": state.grid,
        "cancelled": "1" if state.show_cancelled else "",
    }
    if remembered != chosen_now:  # no session write when nothing changed
        session[SESSION_KEY] = chosen_now


def step(day: date, direction: int, weekdays: set[int]) -> date:
    """The next (or previous) day someone shown works; plain next day if nobody has hours."""
    candidate = day + timedelta(days=direction)
    for _attempt in range(7):
        if not weekdays or candidate.weekday() in weekdays:
            return candidate
        candidate += timedelta(days=direction)
    return day + timedelta(days=direction)


def type_colours_url(unit: Unit | None, types: list[AppointmentType]) -> str:
    """The colour stylesheet's URL, versioned by the colours so it can be cached."""
    version = hashlib.sha256("".join(f"{t.public_id}{t.colour}" for t in types).encode())
    params = {"v": version.hexdigest()[:12]}
    if unit is not None:
        params["unit"] = str(unit.public_id)
    return f"{reverse('calendar_colours')}?{urlencode(params)}"


def page_context(
    actor: Actor,
    state: CalendarState,
    *,
    is_week: bool,
    weekdays: set[int],
    unit_types: list[AppointmentType] | None = None,
) -> dict[str, Any]:
    """Navigation, the toolbar form, the type legend and its colour stylesheet (of the
    unit's active types: of `unit_types` when the caller has read them already)."""
    name = "calendar_week" if is_week else "calendar_day"
    if is_week:
        previous, following = state.day - timedelta(days=7), state.day + timedelta(days=7)
    else:
        previous, following = step(state.day, -1, weekdays), step(state.day, 1, weekdays)
    if unit_types is None:
        unit_types = list(appointment_types_for(actor=actor, unit_id=state.unit.pk))
    types = [t for t in unit_types if t.is_active]
    return {
        # The toolbar's two selects, printed by the template (Django's widgets cost a
        # millisecond on every calendar page).
        "unit_choices": [(str(u.public_id), unit_label(u, state.units)) for u in state.units],
        "unit_value": str(state.unit.public_id),
        "grid_choices": GRID_CHOICES,
        "types": types,
        "colours_url": type_colours_url(state.unit, types),
        "previous_url": state.url(name, date=previous.isoformat()),
        "next_url": state.url(name, date=following.isoformat()),
        "today_url": state.url(name, date=timezone.localdate().isoformat()),
        "day_url": state.url("calendar_day"),
        "week_url": state.url("calendar_week"),
        "book_url": f"{reverse('calendar_book')}?{urlencode({'unit': str(state.unit.public_id)})}",
        "is_today": state.day == timezone.localdate(),
        "unit_label": unit_label(state.unit, state.units),
    }
