"""The schedule's setup screens: resources, their working hours (with a preview of the
resulting week) and absences, and the unit's closing days. Thin: parse → setup
selector/service → page."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from klinik.core.datefields import parse_danish_date
from klinik.core.errors import form_error_add
from klinik.core.http import ActorRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm, requires
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.choices import AbsenceKind, ResourceKind
from klinik.scheduling.models import Absence
from klinik.scheduling.setup import selectors, services
from klinik.scheduling.setup.errors import SetupError
from klinik.scheduling.setup.forms import (
    AbsenceForm,
    BookingSettingsForm,
    ClosingDaysForm,
    ClosureForm,
    HoursFormSet,
    ResourceForm,
)


def _unit(request: ActorRequest) -> Unit:
    """The unit asked for (?unit=), else the actor's own, else the organisation's first."""
    chosen = request.GET.get("unit") or request.POST.get("unit")
    if chosen:
        return selectors.access_setup_unit(actor=request.actor, public_id=chosen)
    if request.actor.unit is not None:
        return request.actor.unit
    units = selectors.setup_units(actor=request.actor)
    if not units:
        raise PermissionDenied
    return units[0]


def _with_unit(name: str, unit: Unit, *args: Any) -> str:
    return f"{reverse(name, args=args)}?{urlencode({'unit': str(unit.public_id)})}"


@requires(Perm.CLINIC_SETUP)
def setup_resources_view(request: ActorRequest) -> HttpResponse:
    """The unit's practitioners, rooms and equipment, active and not."""
    unit = _unit(request)
    return render(
        request,
        "scheduling/setup/resources.html",
        {
            "unit": unit,
            "units": selectors.setup_units(actor=request.actor),
            "resources": selectors.unit_resources(unit=unit),
        },
    )


@requires(Perm.CLINIC_SETUP)
def setup_resource_add_view(request: ActorRequest) -> HttpResponse:
    unit = _unit(request)
    users = selectors.unit_staff_users(unit=unit)
    form = ResourceForm(request.POST or None, users=users, adding=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resource = services.resource_create(
                actor=request.actor,
                unit=unit,
                kind=ResourceKind(data["kind"]),
                name=data["name"],
                user=data["user"],
                colour=data["colour"],
            )
        except SetupError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": resource.name})
            return redirect("setup_hours", resource.public_id)
    return render(
        request, "scheduling/setup/resource_form.html", {"unit": unit, "form": form, "adding": True}
    )


@requires(Perm.CLINIC_SETUP)
def setup_resource_edit_view(request: ActorRequest, public_id: str) -> HttpResponse:
    """Edit a resource. Deactivating one with appointments ahead lists them and asks again."""
    resource = selectors.access_setup_resource(actor=request.actor, public_id=public_id)
    users = selectors.unit_staff_users(unit=resource.unit)
    initial = {
        "name": resource.name,
        "user": resource.user,
        "colour": resource.colour,
        "is_active": resource.is_active,
    }
    form = ResourceForm(request.POST or None, users=users, adding=False, initial=initial)
    upcoming: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        deactivating = resource.is_active and not data["is_active"]
        if deactivating and not request.POST.get("confirm"):
            upcoming = selectors.resource_future_appointments(
                actor=request.actor, resource=resource
            )
        if not upcoming:
            try:
                services.resource_update(
                    actor=request.actor,
                    resource=resource,
                    name=data["name"],
                    user=data["user"],
                    colour=data["colour"],
                    is_active=data["is_active"],
                )
            except SetupError as exc:
                form_error_add(form, exc)
            else:
                messages.success(request, _("The resource was saved."))
                return redirect(_with_unit("setup_resources", resource.unit))
    return render(
        request,
        "scheduling/setup/resource_form.html",
        {
            "unit": resource.unit,
            "resource": resource,
            "form": form,
            "adding": False,
            "upcoming": upcoming,
        },
        status=200,
    )


def _monday(request: ActorRequest) -> date:
    """The Monday of the week asked for (?week=, a Danish or ISO date), else this week's."""
    day = parse_danish_date(request.GET.get("week", "")) or timezone.localdate()
    return day - timedelta(days=day.weekday())


@requires(Perm.CLINIC_SETUP)
def setup_hours_view(request: ActorRequest, public_id: str) -> HttpResponse:
    """The resource's working hours per weekday (several rows make breaks), each valid for a
    period and in every, even or odd week; below, the resulting week."""
    resource = selectors.access_setup_resource(actor=request.actor, public_id=public_id)
    initial = [
        {
            "weekday": row.weekday,
            "start": row.start,
            "end": row.end,
            "weeks": row.weeks,
            "valid_from": row.valid_from,
            "valid_to": row.valid_to,
        }
        for row in selectors.resource_hours(resource=resource)
    ]
    formset = HoursFormSet(request.POST or None, initial=initial, prefix="hours")
    monday = _monday(request)
    if request.method == "POST" and formset.is_valid():
        rows, forms_of_rows = [], []
        for form in formset.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            rows.append(
                services.HoursInput(
                    weekday=data["weekday"],
                    start=data["start"],
                    end=data["end"],
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                    weeks=data["weeks"],
                )
            )
            forms_of_rows.append(form)
        try:
            services.hours_replace(actor=request.actor, resource=resource, rows=rows)
        except SetupError as exc:
            _head, index, name = [*exc.field.split("."), "", "", ""][:3]
            target = forms_of_rows[int(index)] if index.isdigit() else None
            if target is not None and name in target.fields:
                target.add_error(name, exc.message)
            else:
                formset.forms[0].add_error(None, exc.message)
        else:
            messages.success(request, _("The working hours were saved."))
            url = reverse("setup_hours", args=[resource.public_id])
            return redirect(f"{url}?week={monday.isoformat()}")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "scheduling/setup/hours.html",
        {
            "resource": resource,
            "unit": resource.unit,
            "formset": formset,
            "monday": monday,
            "week_number": monday.isocalendar()[1],
            "previous_week": monday - timedelta(days=7),
            "next_week": monday + timedelta(days=7),
            "preview": selectors.week_preview(resource=resource, monday=monday),
        },
        status=status,
    )


@requires(Perm.SCHEDULE_VIEW)
def setup_absences_view(request: ActorRequest, public_id: str) -> HttpResponse:
    """The resource's absences ahead, and a new one. When it falls on booked appointments
    they are listed first, with the choice to cancel them all (each patient gets a notice) or
    save the absence only; who may not book saves it only."""
    resource = selectors.access_setup_resource(actor=request.actor, public_id=public_id)
    services.absence_rights_check(request.actor, resource)
    can_book = request.actor.can(Perm.SCHEDULE_BOOK)
    form = AbsenceForm(request.POST or None)
    conflicts: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decision = request.POST.get("decision", "")
        if not decision:  # first the appointments it falls on (none when it is backwards)
            conflicts = selectors.appointments_inside(
                actor=request.actor,
                unit=resource.unit,
                resource=resource,
                start=data["start"],
                end=data["end"],
            )
        if decision or not conflicts:
            cancel = request.POST.getlist("cancel") if decision == "cancel_all" else []
            try:
                added = services.absence_add(
                    actor=request.actor,
                    unit=resource.unit,
                    resource=resource,
                    kind=AbsenceKind(data["kind"]),
                    start=data["start"],
                    end=data["end"],
                    note=data["note"],
                    cancel=_uuids(cancel),
                    cancel_reason=_("The practitioner is absent (%(reason)s).")
                    % {"reason": AbsenceKind(data["kind"]).label},
                )
            except SetupError as exc:
                form_error_add(form, exc)
            else:
                _absence_saved_message(request, added)
                return redirect("setup_absences", resource.public_id)
    return render(
        request,
        "scheduling/setup/absences.html",
        {
            "resource": resource,
            "unit": resource.unit,
            "form": form,
            "conflicts": conflicts,
            "can_book": can_book,
            "can_setup": request.actor.can(Perm.CLINIC_SETUP),
            "absences": selectors.resource_absences(resource=resource),
        },
        status=422 if request.method == "POST" and not form.is_valid() else 200,
    )


def _uuids(values: list[str]) -> set[uuid.UUID]:
    found = set()
    for value in values:
        try:
            found.add(uuid.UUID(value))
        except ValueError:
            continue
    return found


def _absence_saved_message(request: ActorRequest, added: services.AbsenceAdded) -> None:
    messages.success(request, _("The absence was saved."))
    _cancelled_message(request, added)
    _conflicts_warning(request, added)


def _cancelled_message(request: ActorRequest, added: services.AbsenceAdded) -> None:
    if added.cancelled:
        messages.success(
            request,
            ngettext(
                "%(count)d appointment was cancelled; the patient is notified.",
                "%(count)d appointments were cancelled; each patient is notified.",
                len(added.cancelled),
            )
            % {"count": len(added.cancelled)},
        )


def _conflicts_warning(request: ActorRequest, added: services.AbsenceAdded) -> None:
    if added.conflicts:
        messages.warning(
            request,
            ngettext(
                "%(count)d booked appointment lies inside the absence: move or cancel it in "
                "the calendar.",
                "%(count)d booked appointments lie inside the absence: move or cancel them in "
                "the calendar.",
                len(added.conflicts),
            )
            % {"count": len(added.conflicts)},
        )


def _cancel_reason(absence: Absence) -> str:
    if absence.resource is None:
        return _("The clinic is closed (%(reason)s).") % {
            "reason": selectors.absence_label(absence)
        }
    return _("The practitioner is absent (%(reason)s).") % {"reason": absence.get_kind_display()}


@requires(Perm.SCHEDULE_VIEW)
def setup_absence_bookings_view(request: ActorRequest, public_id: str) -> HttpResponse:
    """The appointments still booked inside an absence or closing (reached from the work
    queue): each moved or cancelled in the calendar, or all cancelled here with a notice."""
    absence = selectors.access_setup_absence(actor=request.actor, public_id=public_id)
    if request.method == "POST":
        cancelled = services.absence_bookings_cancel(
            actor=request.actor,
            absence=absence,
            cancel=_uuids(request.POST.getlist("cancel")),
            reason=_cancel_reason(absence),
        )
        _cancelled_message(request, services.AbsenceAdded(absence, [], cancelled))
        return redirect("setup_absence_bookings", absence.public_id)
    return render(
        request,
        "scheduling/setup/absence_bookings.html",
        {
            "absence": absence,
            "label": selectors.absence_label(absence),
            "conflicts": selectors.absence_bookings(actor=request.actor, absence=absence),
            "can_book": request.actor.can(Perm.SCHEDULE_BOOK),
        },
    )


@requires(Perm.SCHEDULE_VIEW)
@require_POST
def setup_absence_delete_view(request: ActorRequest, public_id: str) -> HttpResponse:
    absence = selectors.access_setup_absence(actor=request.actor, public_id=public_id)
    services.absence_rights_check(request.actor, absence.resource)
    services.absence_delete(actor=request.actor, absence=absence)
    messages.success(request, _("The absence was removed."))
    if absence.resource is not None:
        return redirect("setup_absences", absence.resource.public_id)
    return redirect(_with_unit("setup_closing_days", absence.unit))


@requires(Perm.CLINIC_SETUP)
def setup_closing_days_view(request: ActorRequest) -> HttpResponse:
    """The unit's closing days: public holidays on/off, the optional days it closes on, and
    any date or period (with a note) it is closed."""
    unit = _unit(request)
    schedule = selectors.unit_schedule_of(unit=unit)
    optional = selectors.optional_day_names()
    days_form = ClosingDaysForm(
        request.POST if request.POST.get("form") == "days" else None,
        optional_days=optional,
        initial={
            "closed_on_public_holidays": schedule.closed_on_public_holidays if schedule else True,
            "closed_optional_days": schedule.closed_optional_days if schedule else [],
        },
    )
    closure_form = ClosureForm(request.POST if request.POST.get("form") == "closure" else None)
    booking_form = BookingSettingsForm(
        request.POST if request.POST.get("form") == "booking" else None,
        initial={"books_on_enter": schedule.books_on_enter if schedule else False},
    )
    if booking_form.is_bound and booking_form.is_valid():
        services.unit_booking_settings_update(
            actor=request.actor,
            unit=unit,
            books_on_enter=booking_form.cleaned_data["books_on_enter"],
        )
        messages.success(request, _("The booking setting was saved."))
        return redirect(_with_unit("setup_closing_days", unit))
    if days_form.is_bound and days_form.is_valid():
        try:
            services.unit_closing_days_update(
                actor=request.actor,
                unit=unit,
                closed_on_public_holidays=days_form.cleaned_data["closed_on_public_holidays"],
                closed_optional_days=days_form.cleaned_data["closed_optional_days"],
            )
        except SetupError as exc:
            form_error_add(days_form, exc)
        else:
            messages.success(request, _("The closing days were saved."))
            return redirect(_with_unit("setup_closing_days", unit))
    conflicts: list[Any] = []
    if closure_form.is_bound and closure_form.is_valid():
        data = closure_form.cleaned_data
        last_day = data["last_day"] or data["first_day"]
        start = datetime.combine(data["first_day"], time.min, tzinfo=LOCAL)
        end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=LOCAL)
        decision = request.POST.get("decision", "")
        if not decision:  # first the appointments it falls on, as for an absence
            conflicts = selectors.appointments_inside(
                actor=request.actor, unit=unit, resource=None, start=start, end=end
            )
        if decision or not conflicts:
            cancel = request.POST.getlist("cancel") if decision == "cancel_all" else []
            note = data["note"] or str(AbsenceKind.CLOSED.label)
            try:
                added = services.absence_add(
                    actor=request.actor,
                    unit=unit,
                    resource=None,
                    kind=AbsenceKind.CLOSED,
                    start=start,
                    end=end,
                    note=data["note"],
                    cancel=_uuids(cancel),
                    cancel_reason=_("The clinic is closed (%(reason)s).") % {"reason": note},
                )
            except SetupError as exc:
                form_error_add(closure_form, exc, {"end": "last_day"})
            else:
                messages.success(request, _("The closing was saved."))
                _cancelled_message(request, added)
                _conflicts_warning(request, added)
                return redirect(_with_unit("setup_closing_days", unit))
    bound_invalid = (days_form.is_bound and days_form.errors) or (
        closure_form.is_bound and closure_form.errors
    )
    return render(
        request,
        "scheduling/setup/closing_days.html",
        {
            "unit": unit,
            "units": selectors.setup_units(actor=request.actor),
            "days_form": days_form,
            "closure_form": closure_form,
            "booking_form": booking_form,
            "closures": selectors.unit_closures(unit=unit),
            "conflicts": conflicts,
            "unit_id": str(unit.public_id),
            "can_book": request.actor.can(Perm.SCHEDULE_BOOK),
        },
        status=422 if bound_invalid else 200,
    )
