"""Reception screens: the arrivals board, check-in, contact confirmation, walk-ins and the
waiting-room screen. Thin: parse → reception selector/service → page or htmx partial."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from klinik.audit.choices import Channel
from klinik.core.errors import form_error_add
from klinik.core.http import ActorRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm, requires
from klinik.patients.errors import PatientInvalid
from klinik.scheduling.access import access_schedule_unit, schedule_units
from klinik.scheduling.errors import BookingError
from klinik.scheduling.models import Resource
from klinik.scheduling.reception import markup, selectors, services
from klinik.scheduling.reception.forms import ContactForm
from klinik.scheduling.reception.services import CheckIn, CheckInOutcome, ReceptionError

BOARD_CHANGED = "reception-changed"  # htmx event: the board fetches itself again


def _unit(request: ActorRequest, unit_id: object) -> Unit:
    return access_schedule_unit(actor=request.actor, public_id=unit_id)


def _param(request: ActorRequest, name: str) -> str:
    return str(request.GET.get(name, request.POST.get(name, "")))


@dataclass(frozen=True)
class BoardView:
    """How the board is shown: as cards by status or the compact table by time, all or one
    practitioner's rows, filtered by status or type; the whole community's or one unit's.
    Kept in the poll URL and in every form that sends the board back."""

    group: str  # "status" (cards), "time" (the compact table) or "" (by the day's size)
    practitioner: Resource | None
    practitioners: list[Resource]
    status: str = ""
    type_id: str = ""
    is_community: bool = False

    def _params(self, group: str) -> dict[str, str]:
        params = {"group": group}
        if self.practitioner is not None:
            params["practitioner"] = str(self.practitioner.public_id)
        if self.status:
            params["show"] = self.status
        if self.type_id:
            params["type"] = self.type_id
        return params

    @property
    def query(self) -> str:
        return urlencode(self._params(self.group))

    @property
    def cards_query(self) -> str:
        return urlencode(self._params("status"))

    @property
    def table_query(self) -> str:
        return urlencode(self._params("time"))

    @property
    def hidden_inputs(self) -> str:
        inputs = [("group", self.group)]
        if self.practitioner is not None:
            inputs.append(("practitioner", str(self.practitioner.public_id)))
        if self.status:
            inputs.append(("show", self.status))
        if self.type_id:
            inputs.append(("type", self.type_id))
        if self.is_community:
            inputs.append(("community", "1"))
        return format_html_join("", '<input type="hidden" name="{}" value="{}">', inputs)


def _board_view(request: ActorRequest, unit: Unit | None) -> BoardView:
    group = _param(request, "group")
    status = _param(request, "show")  # not "status": the row's buttons send that
    type_id = _param(request, "type")
    status = status if status in selectors.STATUS_FILTERS else ""
    type_id = type_id if _is_uuid(type_id) else ""
    if unit is None:
        return BoardView("time", None, [], status, type_id, is_community=True)
    practitioners = selectors.reception_practitioners(actor=request.actor, unit=unit)
    chosen = _param(request, "practitioner")
    practitioner = next((p for p in practitioners if str(p.public_id) == chosen), None)
    group = group if group in ("status", "time") else ""
    return BoardView(group, practitioner, practitioners, status, type_id)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _contact_form(appointment: Any, data: Any = None) -> ContactForm:
    patient = appointment.patient
    return ContactForm(
        data,
        protected=patient.is_address_protected,
        initial={name: getattr(patient, name) for name in services.CONTACT_FIELDS},
    )


def _board_context(request: ActorRequest, unit: Unit | None, **extra: Any) -> dict[str, Any]:
    """The board of the unit, or with no unit the community's shared board."""
    view = _board_view(request, unit)
    if unit is None:
        board = selectors.community_board(
            actor=request.actor, status=view.status, type_id=view.type_id
        )
        board_url = reverse("reception_community")
    else:
        board = selectors.reception_board(
            actor=request.actor,
            unit=unit,
            practitioner_id=view.practitioner.pk if view.practitioner else None,
            status=view.status,
            type_id=view.type_id,
        )
        board_url = reverse("reception_board", args=[unit.public_id])
    if not view.group:  # a large unit's day opens as the compact table
        view = replace(view, group="time" if board.total > selectors.COMPACT_FROM else "status")
    can_book = request.actor.can(Perm.SCHEDULE_BOOK)
    head = csrf_input(request) + view.hidden_inputs
    url_pattern = reverse("reception_status", args=[markup.BLANK, markup.BLANK])
    board_html = ""
    if view.group == "time":
        board_html = markup.board_table_html(
            board.rows,
            head=head,
            url_pattern=url_pattern,
            can_book=can_book,
            show_clinic=unit is None,
        )
    elif can_book:
        _actions_html(board, head, url_pattern)
    return {
        "unit": unit,
        "board": board,
        "board_html": board_html,
        "board_url": board_url,
        "view": view,
        "group": view.group,
        "can_book": can_book,
        "status_filters": [(key, title) for key, title, _s in selectors.LANES],
        **extra,
    }


def _actions_html(board: selectors.Board, head: str, url_pattern: str) -> None:
    """Each card's one-key action form as markup (`row.actions_html`): built once per set of
    buttons, not through a template include per row. Escaped by markup.row_form_inner."""
    inner: dict[tuple[str, ...], str] = {}
    for row in board.rows:
        if not row.actions:
            continue
        same = (row.status, row.attendance, *(a.status for a in row.actions))
        if same not in inner:
            inner[same] = markup.row_form_inner(row, head, compact=False)
        url = url_pattern.replace(markup.BLANK, row.unit_id, 1).replace(markup.BLANK, row.id, 1)
        row.actions_html = mark_safe(  # noqa: S308  (a UUID URL and the escaped form above)
            f'<form method="post" class="row-actions" action="{url}" hx-post="{url}" '
            f'hx-target="#board" hx-swap="outerHTML">{inner[same]}</form>'
        )


def _page_context(request: ActorRequest, unit: Unit, **extra: Any) -> dict[str, Any]:
    context = _board_context(request, unit, **extra)
    context["units"] = schedule_units(actor=request.actor)
    context.setdefault("walk_in_types", selectors.walk_in_types(actor=request.actor, unit=unit))
    return context


# The board ------------------------------------------------------------------------------------


@requires(Perm.SCHEDULE_VIEW)
@require_GET
def reception_home_view(request: ActorRequest) -> HttpResponse:
    """The actor's own unit's board; a community receptionist chooses a clinic."""
    actor = request.actor
    units = schedule_units(actor=actor)
    chosen = request.GET.get("unit", "")
    if chosen:
        unit = _unit(request, chosen)
        return redirect("reception_board", unit_id=unit.public_id)
    if actor.unit is not None and any(u.pk == actor.unit.pk for u in units):
        return redirect("reception_board", unit_id=actor.unit.public_id)
    if len(units) == 1:
        return redirect("reception_board", unit_id=units[0].public_id)
    return render(request, "scheduling/reception/choose_unit.html", {"units": units})


@requires(Perm.SCHEDULE_VIEW)
@require_GET
def reception_community_view(request: ActorRequest) -> HttpResponse:
    """Every clinic's board in one table, each row labelled with its clinic (a clinic
    community's shared reception); a poll with an unchanged version gets 204."""
    units = schedule_units(actor=request.actor)
    if len(units) < 2:
        return redirect("reception_home")
    if request.htmx:
        seen = request.GET.get("v", "")
        if seen and seen == selectors.community_board_version(actor=request.actor):
            return HttpResponse(status=204)
        return render(request, "scheduling/reception/_board.html", _board_context(request, None))
    context = _board_context(request, None)
    context["units"] = units
    return render(request, "scheduling/reception/community.html", context)


@requires(Perm.SCHEDULE_VIEW)
@require_GET
def reception_board_view(request: ActorRequest, unit_id: str) -> HttpResponse:
    """The whole page, or (htmx) the board alone; a poll with an unchanged version gets 204."""
    unit = _unit(request, unit_id)
    if request.htmx:
        seen = request.GET.get("v", "")
        if seen and seen == selectors.board_version(actor=request.actor, unit=unit):
            return HttpResponse(status=204)
        return render(request, "scheduling/reception/_board.html", _board_context(request, unit))
    return render(request, "scheduling/reception/board.html", _page_context(request, unit))


@requires(Perm.SCHEDULE_BOOK)
@require_POST
def reception_status_view(request: ActorRequest, unit_id: str, appointment_id: str) -> HttpResponse:
    """A one-key action on a row: arrived, in progress, finished, no-show, undo."""
    unit = _unit(request, unit_id)
    error = notice = ""
    try:
        appointment = services.reception_set_status(
            actor=request.actor,
            unit=unit,
            appointment_public_id=appointment_id,
            status=request.POST.get("status", ""),
            seen_status=request.POST.get("seen", ""),
        )
    except (BookingError, ReceptionError) as exc:
        error = exc.message
    else:
        notice = _("%(name)s: %(status)s") % {
            "name": appointment.patient.name,
            "status": appointment.get_status_display(),
        }
    # From the community's shared board, the shared board is sent back.
    shown = None if request.POST.get("community") else unit
    if not request.htmx:
        if error:
            messages.error(request, error)
        if shown is None:
            url = reverse("reception_community")
        else:
            url = reverse("reception_board", kwargs={"unit_id": unit.public_id})
        return redirect(f"{url}?{_board_view(request, shown).query}")
    return render(
        request,
        "scheduling/reception/_board.html",
        _board_context(request, shown, error=error, notice=notice),
        status=422 if error else 200,
    )


# Check-in -------------------------------------------------------------------------------------


@requires(Perm.SCHEDULE_BOOK, Perm.PATIENT_VIEW)
@require_POST
def reception_check_in_view(request: ActorRequest, unit_id: str) -> HttpResponse:
    """Check in by CPR number, typed or scanned (the scanner types the number and Enter)."""
    unit = _unit(request, unit_id)
    result = services.reception_check_in(
        actor=request.actor, unit=unit, identifier=request.POST.get("identifier", "")
    )
    context = _check_in_context(request, unit, result)
    if not request.htmx:
        context.pop("unit")
        context = _page_context(request, unit, **context)
        return render(request, "scheduling/reception/board.html", context)
    response = render(request, "scheduling/reception/_check_in_result.html", context)
    if result.outcome == CheckInOutcome.ARRIVED:
        response["HX-Trigger"] = BOARD_CHANGED
    return response


def _check_in_context(request: ActorRequest, unit: Unit, result: CheckIn) -> dict[str, Any]:
    context: dict[str, Any] = {"unit": unit, "result": result}
    if result.appointment is not None:
        context["contact_form"] = _contact_form(result.appointment)
        context["contact_confirmed"] = selectors.contact_confirmed(result.appointment)
    if result.outcome == CheckInOutcome.NO_APPOINTMENT and result.patient is not None:
        context["walk_in_types"] = selectors.walk_in_types(actor=request.actor, unit=unit)
    return context


@requires(Perm.SCHEDULE_BOOK, Perm.PATIENT_VIEW)
@require_POST
def reception_contact_view(
    request: ActorRequest, unit_id: str, appointment_id: str
) -> HttpResponse:
    """Contact details confirmed at check-in, corrected first if the patient says so."""
    unit = _unit(request, unit_id)
    actor = request.actor
    can_edit = actor.can(Perm.PATIENT_EDIT)
    form = ContactForm(request.POST)
    error: PatientInvalid | None = None
    if not can_edit or form.is_valid():
        try:
            appointment = services.reception_contact_confirm(
                actor=actor,
                unit=unit,
                appointment_public_id=appointment_id,
                changes=dict(form.cleaned_data) if can_edit else None,
                channel=Channel.UI,
            )
        except PatientInvalid as exc:
            error = exc
        else:
            if not request.htmx:
                messages.success(request, _("The contact details are confirmed."))
                return redirect("reception_board", unit_id=unit.public_id)
            context = {
                "unit": unit,
                "appointment": appointment,
                "contact_form": _contact_form(appointment),
                "contact_confirmed": True,
                "just_confirmed": True,
            }
            return render(request, "scheduling/reception/_contact.html", context)
    # Shown again with the errors at the fields (the card is read, and logged, again).
    appointment = selectors.reception_contact_card(
        actor=actor, unit=unit, appointment_public_id=appointment_id
    )
    shown = _contact_form(appointment, request.POST)
    shown.is_valid()
    if error is not None:
        form_error_add(shown, error)
    context = {"unit": unit, "appointment": appointment, "contact_form": shown}
    return render(request, "scheduling/reception/_contact.html", context, status=422)


# Walk-ins -------------------------------------------------------------------------------------


@requires(Perm.SCHEDULE_BOOK, Perm.PATIENT_VIEW)
@require_POST
def reception_walk_in_search_view(request: ActorRequest, unit_id: str) -> HttpResponse:
    """Find the patient for a walk-in (CPR, name, phone); posted, never in the URL."""
    unit = _unit(request, unit_id)
    query = request.POST.get("q", "").strip()
    hits = selectors.walk_in_search(actor=request.actor, unit=unit, query=query) if query else []
    return render(
        request,
        "scheduling/reception/_walk_in_hits.html",
        {
            "unit": unit,
            "hits": hits,
            "searched": bool(query),
            "walk_in_types": selectors.walk_in_types(actor=request.actor, unit=unit),
        },
    )


@requires(Perm.SCHEDULE_BOOK, Perm.PATIENT_VIEW)
@require_POST
def reception_walk_in_view(request: ActorRequest, unit_id: str) -> HttpResponse:
    """Register a walk-in: the next queue number of the day, shown on the board."""
    unit = _unit(request, unit_id)
    try:
        appointment = services.walk_in_register(
            actor=request.actor,
            unit=unit,
            patient_public_id=request.POST.get("patient", ""),
            appointment_type_public_id=request.POST.get("type", ""),
        )
    except (BookingError, ReceptionError) as exc:
        if not request.htmx:
            messages.error(request, exc.message)
            return redirect("reception_board", unit_id=unit.public_id)
        return render(
            request,
            "scheduling/reception/_walk_in_done.html",
            {"error": exc.message},
            status=422,
        )
    message = _("Queue number %(number)d: %(name)s.") % {
        "number": appointment.queue_number,
        "name": appointment.patient.name,
    }
    if not request.htmx:
        messages.success(request, message)
        return redirect("reception_board", unit_id=unit.public_id)
    response = render(
        request,
        "scheduling/reception/_walk_in_done.html",
        {"message": message, "appointment": appointment},
    )
    response["HX-Trigger"] = BOARD_CHANGED
    return response


# Waiting room ---------------------------------------------------------------------------------


@requires(Perm.SCHEDULE_VIEW)
@require_GET
def reception_waiting_room_view(request: ActorRequest, unit_id: str) -> HttpResponse:
    """The screen in the waiting room: queue numbers only, refreshing itself."""
    unit = _unit(request, unit_id)
    context = {"unit": unit, "room": selectors.waiting_room(actor=request.actor, unit=unit)}
    if request.htmx:
        return render(request, "scheduling/reception/_waiting.html", context)
    return render(request, "scheduling/reception/waiting_room.html", context)
