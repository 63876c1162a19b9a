"""The calendar: day and week of a unit, booking from a free time or by slot search, and the
appointment panel (status, cancel, move, history).

Thin: parse the request, call the calendar's modules (state, grid, week, booking, panel) and
the scheduling services, and render a page or its htmx partial.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from klinik.audit.choices import Channel
from klinik.core.http import ActorRequest
from klinik.core.policy import Perm, requires
from klinik.patients.selectors import patient_search
from klinik.scheduling.access import access_appointment, appointment_detail
from klinik.scheduling.booking import appointment_move
from klinik.scheduling.booking_rules import rooms_for_type
from klinik.scheduling.calendar import booking, grid, markup, panel, repeat, state, week
from klinik.scheduling.calendar.forms import CancelForm, MoveForm
from klinik.scheduling.calendar.selectors import calendar_units
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.errors import BookingError, SeriesError
from klinik.scheduling.models import Appointment, AppointmentType
from klinik.scheduling.selectors import appointment_types_for
from klinik.scheduling.series import SeriesScope, series_cancel, series_move
from klinik.scheduling.transitions import (
    appointment_booking_undo,
    appointment_cancel,
    appointment_set_status,
)

PANEL_TARGET = "cal-panel"  # the calendar page's side panel
GRID_TARGET = "cal-grid"
CHANGED_EVENT = "calendar-changed"  # HX-Trigger: the grid reloads itself


def _is_grid_request(request: ActorRequest) -> bool:
    return bool(request.htmx and request.htmx.target == GRID_TARGET)


def _grid_context(
    request: ActorRequest,
    calendar: state.CalendarState,
    columns: list[grid.Column],
    time_range: grid.TimeRange,
    *,
    is_week: bool,
) -> dict[str, Any]:
    labels = {
        "overbooked_label": _("Overbooked"),
        "series_label": _("Part of a series"),
        "join_label": _("Add a participant"),
    }
    for column in columns:
        column.blocks_html = markup.blocks_html(column.blocks, labels)
    return {
        "state": calendar,
        "columns": columns,
        "rows": time_range.rows,
        "first_minute": time_range.first,
        "ticks": grid.ticks(time_range),
        "grid_step": calendar.grid,
        "is_week": is_week,
        "can_book": request.actor.can(Perm.SCHEDULE_BOOK),
        "refresh_url": request.get_full_path(),
        **labels,
    }


# The day and the week ----------------------------------------------------------------------------


@requires(Perm.SCHEDULE_VIEW)
@require_GET
def calendar_day_view(request: ActorRequest) -> HttpResponse:
    """One day: a column per practitioner or room, appointments placed by time."""
    actor = request.actor
    calendar = state.calendar_state(request)
    opened = panel.open_appointment(actor, request.GET.get("open", ""))
    layout = grid.layout_load(
        actor=actor,
        unit=calendar.unit,
        resources=calendar.shown,
        first=calendar.day,
        include_cancelled=calendar.show_cancelled,
        open_id=opened.public_id if opened else None,
        grid=calendar.grid,
    )
    columns = grid.day_columns(layout, calendar.shown, calendar.day)
    time_range = grid.place(columns, layout)
    context = _grid_context(request, calendar, columns, time_range, is_week=False)
    if _is_grid_request(request):
        return render(request, "scheduling/calendar/_grid.html", context)
    context |= state.page_context(actor, calendar, is_week=False, weekdays=layout.weekdays)
    context["detail"] = panel.appointment_context(actor, opened) if opened else None
    context["holiday"] = layout.availability.closed.get(calendar.day, "")
    return render(request, "scheduling/calendar/day.html", context)


@requires(Perm.SCHEDULE_VIEW)
@require_GET
def calendar_week_view(request: ActorRequest) -> HttpResponse:
    """A week: seven day columns for one resource, or an overview row per resource."""
    actor = request.actor
    calendar = state.calendar_state(request)
    opened = panel.open_appointment(actor, request.GET.get("open", ""))
    monday = calendar.day - timedelta(days=calendar.day.weekday())
    unit_types: list[AppointmentType] | None = None
    if len(calendar.shown) == 1:
        columns, time_range = week.week_of_one(
            actor=actor, state=calendar, monday=monday, opened=opened
        )
        context = _grid_context(request, calendar, columns, time_range, is_week=True)
        if _is_grid_request(request):
            return render(request, "scheduling/calendar/_grid.html", context)
    else:
        unit_types = list(
            appointment_types_for(actor=actor, unit_id=calendar.unit.pk, active_only=False)
        )
        context = week.week_overview(
            state=calendar,
            monday=monday,
            refresh_url=request.get_full_path(),
            unit_types=unit_types,
        )
        if _is_grid_request(request):
            return render(request, "scheduling/calendar/_week_overview.html", context)
    context |= state.page_context(
        actor, calendar, is_week=True, weekdays=set(), unit_types=unit_types
    )
    context["detail"] = panel.appointment_context(actor, opened) if opened else None
    context["monday"] = monday
    context["sunday"] = monday + timedelta(days=6)
    return render(request, "scheduling/calendar/week.html", context)


@requires(Perm.SCHEDULE_VIEW)
@require_GET
def calendar_colours_view(request: ActorRequest) -> HttpResponse:
    """The unit's appointment type colours as a stylesheet."""
    actor = request.actor
    unit_id = None
    if request.GET.get("unit"):
        units = calendar_units(actor=actor)
        unit = next((u for u in units if str(u.public_id) == request.GET["unit"]), None)
        if unit is None:
            raise Http404
        unit_id = unit.pk
    css = markup.type_colours_css(appointment_types_for(actor=actor, unit_id=unit_id))
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, max-age=86400"
    return response


# Booking -----------------------------------------------------------------------------------------


@requires(Perm.SCHEDULE_BOOK)
def calendar_book_view(request: ActorRequest) -> HttpResponse:
    """Book: search patient → pick type → pick a free slot (or the time clicked in the
    calendar) → confirm. Each step posts the panel's state back; nothing is in the URL but
    the prefills (a resource and time, a patient's public id, an appointment to repeat)."""
    panel_state = booking.booking_panel(
        actor=request.actor,
        data=request.POST if request.method == "POST" else request.GET,
        method=request.method or "",
        trigger=request.htmx.trigger if request.htmx else None,
    )
    if request.method == "POST" and request.POST.get("action") in repeat.SERIES_ACTIONS:
        repeat.series_act(request.actor, panel_state, request.POST)
    if panel_state.booked is not None:
        return _booked_response(request, panel_state.booked, panel_state)
    context = {
        "panel": panel_state,
        "in_calendar": request.htmx and request.htmx.target == PANEL_TARGET,
        "colours_url": state.type_colours_url(None, panel_state.types),
    }
    status = 422 if panel_state.error or panel_state.form.errors else 200
    if request.htmx:
        return render(request, "scheduling/calendar/_book_panel.html", context, status=status)
    return render(request, "scheduling/calendar/book.html", context, status=status)


def _booked_response(
    request: ActorRequest, appointment: Appointment, panel_state: booking.BookingPanel
) -> HttpResponse:
    """Booked: the appointment's panel in the calendar, else its day with the panel open."""
    actor = request.actor
    message = _("Booked: %(patient)s, %(when)s.") % {
        "patient": appointment.patient.name,
        "when": grid.when(appointment.start),
    }
    if panel_state.series_booked:
        message = ngettext(
            "Series booked: %(patient)s, %(count)d appointment from %(when)s.",
            "Series booked: %(patient)s, %(count)d appointments from %(when)s.",
            panel_state.series_booked,
        ) % {
            "patient": appointment.patient.name,
            "count": panel_state.series_booked,
            "when": grid.when(appointment.start),
        }
    if request.htmx and request.htmx.target == PANEL_TARGET:
        fresh = access_appointment(actor=actor, public_id=appointment.public_id)
        detail = panel.appointment_context(
            actor, fresh, message=message, undo_booking=panel_state.is_direct
        )
        response = render(
            request, "scheduling/calendar/_appointment_panel.html", {"detail": detail}
        )
        response["HX-Trigger"] = CHANGED_EVENT
        return response
    unit = next(u for u in panel_state.units if u.pk == appointment.unit_id)
    params = {
        "unit": str(unit.public_id),
        "date": grid.local(appointment.start).date().isoformat(),
        "open": str(appointment.public_id),
    }
    url = f"{reverse('calendar_day')}?{urlencode(params)}"
    messages.success(request, message)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@requires(Perm.SCHEDULE_BOOK, Perm.PATIENT_VIEW)
@require_POST
def calendar_patient_search_view(request: ActorRequest) -> HttpResponse:
    """The booking panel's patient search: POST, so the terms stay out of URLs and logs."""
    query = request.POST.get("q", "")
    hits = (
        patient_search(actor=request.actor, query=query, channel=Channel.UI)
        if query.strip()
        else []
    )
    return render(
        request,
        "scheduling/calendar/_patient_hits.html",
        {"hits": hits, "searched": bool(query.strip())},
    )


# The appointment panel ---------------------------------------------------------------------------


def _panel_response(
    request: ActorRequest,
    appointment: Appointment,
    *,
    status: int = 200,
    changed: bool = False,
    **extra: Any,
) -> HttpResponse:
    context = {"detail": panel.appointment_context(request.actor, appointment, **extra)}
    if request.htmx:
        response = render(
            request, "scheduling/calendar/_appointment_panel.html", context, status=status
        )
        if changed:
            response["HX-Trigger"] = CHANGED_EVENT
        return response
    if changed:
        messages.success(request, extra.get("message", ""))
        return redirect("calendar_appointment", public_id=appointment.public_id)
    return render(request, "scheduling/calendar/appointment.html", context, status=status)


@requires(Perm.SCHEDULE_VIEW)
@require_GET
def calendar_appointment_view(request: ActorRequest, public_id: str) -> HttpResponse:
    """The appointment's panel: patient, time, resources, history (a logged read)."""
    appointment = appointment_detail(actor=request.actor, public_id=public_id)
    return _panel_response(request, appointment)


@requires(Perm.SCHEDULE_BOOK)
@require_POST
def calendar_appointment_status_view(request: ActorRequest, public_id: str) -> HttpResponse:
    """Arrived, in progress, finished, no-show, and back again (undo)."""
    actor = request.actor
    appointment = access_appointment(actor=actor, public_id=public_id, for_update=True)
    status = request.POST.get("status", "")
    if status not in AppointmentStatus.values or status == AppointmentStatus.CANCELLED:
        return _panel_response(request, appointment, status=422, error=_("Choose a status."))
    try:
        appointment_set_status(
            actor=actor, appointment=appointment, status=AppointmentStatus(status)
        )
    except BookingError as exc:
        return _panel_response(request, appointment, status=422, error=exc.message)
    fresh = access_appointment(actor=actor, public_id=public_id)
    message = _("Status changed to %(status)s.") % {"status": fresh.get_status_display()}
    return _panel_response(request, fresh, changed=True, message=message)


@requires(Perm.SCHEDULE_BOOK)
@require_POST
def calendar_appointment_cancel_view(request: ActorRequest, public_id: str) -> HttpResponse:
    """Cancel with a reason; for a series occurrence optionally the rest of the series."""
    actor = request.actor
    appointment = access_appointment(actor=actor, public_id=public_id, for_update=True)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _panel_response(request, appointment, status=422, cancel_form=form)
    reason = form.cleaned_data["reason_label"]
    notify = _notify_choice(request, form.cleaned_data["notify"])
    scope = SeriesScope(form.cleaned_data["scope"] or SeriesScope.ONE)
    try:
        if scope != SeriesScope.ONE and appointment.series_id is not None:
            count = series_cancel(
                actor=actor, appointment=appointment, scope=scope, reason=reason, notify=notify
            )
            message = ngettext(
                "%(count)d appointment cancelled.", "%(count)d appointments cancelled.", count
            ) % {"count": count}
        else:
            appointment_cancel(actor=actor, appointment=appointment, reason=reason, notify=notify)
            message = _("The appointment has been cancelled.")
    except BookingError as exc:
        return _panel_response(
            request, appointment, status=422, error=exc.message, cancel_form=form
        )
    fresh = access_appointment(actor=actor, public_id=public_id)
    message = f"{message} {panel.told_text(fresh.patient, notify=notify)}"
    return _panel_response(request, fresh, changed=True, message=message)


def _notify_choice(request: ActorRequest, checked: bool) -> bool:
    """The form's "notify the patient" box when the form showed it (`notify_asked`); a move
    by drag and drop asks nothing and tells the patient, as the box's default does."""
    return checked if request.POST.get("notify_asked") else True


@requires(Perm.SCHEDULE_BOOK)
@require_POST
def calendar_appointment_undo_booking_view(request: ActorRequest, public_id: str) -> HttpResponse:
    """Undo a booking made directly on Enter (within seconds): cancelled, the patient not told."""
    actor = request.actor
    appointment = access_appointment(actor=actor, public_id=public_id, for_update=True)
    try:
        appointment_booking_undo(actor=actor, appointment=appointment)
    except BookingError as exc:
        return _panel_response(request, appointment, status=422, error=exc.message)
    fresh = access_appointment(actor=actor, public_id=public_id)
    message = _("The booking was undone; the patient is not notified.")
    return _panel_response(request, fresh, changed=True, message=message)


@requires(Perm.SCHEDULE_BOOK)
@require_POST
def calendar_appointment_move_view(request: ActorRequest, public_id: str) -> HttpResponse:
    """Move to another time (and practitioner): the keyboard form, a dragged block, or an
    alternative the schedule offered. A refusal leaves the appointment where it was."""
    actor = request.actor
    appointment = access_appointment(actor=actor, public_id=public_id, for_update=True)
    practitioners = state.unit_practitioners(actor, appointment.unit_id)
    rooms = rooms_for_type(appointment.appointment_type)
    form = MoveForm(
        request.POST,
        resources=[(str(r.public_id), r.name) for r in practitioners],
        rooms=[(str(r.public_id), r.name) for r in rooms],
    )
    if not form.is_valid():
        return _panel_response(request, appointment, status=422, move_form=form)
    move = panel.move_from_form(
        actor=actor,
        appointment=appointment,
        data=form.cleaned_data,
        practitioners=practitioners,
        rooms=rooms,
    )
    if move.refusal:
        return _panel_response(request, appointment, status=422, error=move.refusal)
    if move.is_unchanged:
        return _panel_response(request, appointment, message=_("Nothing to change."))
    scope = SeriesScope(form.cleaned_data["scope"] or SeriesScope.ONE)
    if scope != SeriesScope.ONE and appointment.series_id is not None and not move.room:
        return _series_move(request, appointment, move, scope, form)
    notify = _notify_choice(request, form.cleaned_data["notify"])
    try:
        appointment_move(
            actor=actor,
            appointment=appointment,
            start=move.start,
            practitioner=move.practitioner,
            room=move.room,
            notify=notify,
        )
    except BookingError as exc:
        return _panel_response(
            request,
            appointment,
            status=422,
            error=exc.message,
            alternatives=[booking.slot_choice(slot, room=move.room) for slot in exc.alternatives],
            move_form=form,
        )
    fresh = access_appointment(actor=actor, public_id=public_id)
    message = _("Moved to %(when)s.") % {"when": grid.when(fresh.start)}
    message = f"{message} {panel.told_text(fresh.patient, notify=notify)}"
    return _panel_response(request, fresh, changed=True, message=message)


def _series_move(
    request: ActorRequest,
    appointment: Appointment,
    move: panel.Move,
    scope: SeriesScope,
    form: MoveForm,
) -> HttpResponse:
    """Move this occurrence and the following (or all to come) by the same offset, or show
    the occurrences that cannot move, each with a free alternative: nothing moved."""
    actor = request.actor
    try:
        count = series_move(
            actor=actor,
            appointment=appointment,
            scope=scope,
            start=move.start,
            practitioner=move.practitioner,
        )
    except SeriesError as exc:
        return _panel_response(
            request,
            appointment,
            status=422,
            error=exc.message,
            series_conflicts=panel.conflict_rows(exc.conflicts),
            move_form=form,
        )
    except BookingError as exc:
        return _panel_response(request, appointment, status=422, error=exc.message, move_form=form)
    fresh = access_appointment(actor=actor, public_id=appointment.public_id)
    message = ngettext("%(count)d appointment moved.", "%(count)d appointments moved.", count) % {
        "count": count
    }
    return _panel_response(request, fresh, changed=True, message=message)
