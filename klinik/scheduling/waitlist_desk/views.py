"""The waiting-list screen ("Venteliste") per unit: the list with filters and each patient's
offers, the add form (patient search and wishes), done/remove, and offering a free time by
hand. Thin: parse → waitlist service or selector → page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from klinik.audit.choices import Channel
from klinik.core.errors import DomainError, form_error_add
from klinik.core.http import ActorRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm, requires
from klinik.patients.access import access_patient
from klinik.patients.selectors import PatientHit, patient_search
from klinik.scheduling.access import access_schedule_unit, schedule_units
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.choices import ResourceKind, WaitlistOfferStatus, WaitlistStatus
from klinik.scheduling.models import AppointmentType, Resource, WaitlistEntry, WaitlistOffer
from klinik.scheduling.selectors import appointment_types_for, resources_for
from klinik.scheduling.waitlist import (
    access_waitlist_entry,
    offer_state,
    waitlist_add,
    waitlist_close,
    waitlist_entries,
    waitlist_opening_offer,
    weekdays_list,
    weekdays_mask,
)
from klinik.scheduling.waitlist_desk.forms import EntryForm, FilterForm, OfferForm

S = WaitlistOfferStatus


@dataclass(frozen=True)
class OfferRow:
    offer: WaitlistOffer
    state: str
    label: str

    @property
    def is_call(self) -> bool:
        return self.state == S.CALL


@dataclass(frozen=True)
class EntryRow:
    entry: WaitlistEntry
    weekdays: list[str]
    offers: list[OfferRow]

    @property
    def latest(self) -> OfferRow | None:
        return self.offers[0] if self.offers else None


def _rows(entries: list[WaitlistEntry], now: datetime) -> list[EntryRow]:
    rows = []
    for entry in entries:
        offers = []
        for offer in entry.offers.all():
            state = offer_state(offer, now)
            offers.append(OfferRow(offer, state, str(S(state).label)))
        days = [str(WEEKDAYS_ABBR[day]) for day in weekdays_list(entry.weekdays)]
        rows.append(EntryRow(entry, days, offers))
    return rows


def _choices(request: ActorRequest, unit: Unit) -> dict[str, QuerySet[Any]]:
    actor = request.actor
    types: QuerySet[AppointmentType] = appointment_types_for(actor=actor, unit_id=unit.pk)
    practitioners: QuerySet[Resource] = resources_for(actor=actor, unit_id=unit.pk).filter(
        kind=ResourceKind.PRACTITIONER
    )
    return {"types": types, "practitioners": practitioners}


def _page(
    request: ActorRequest,
    unit: Unit,
    *,
    entry_form: EntryForm | None = None,
    offer_form: OfferForm | None = None,
    hits: list[PatientHit] | None = None,
    status: int = 200,
) -> HttpResponse:
    choices = _choices(request, unit)
    filters = FilterForm(request.GET or None, **choices)
    chosen_type = chosen_practitioner = None
    if filters.is_valid():
        chosen_type = filters.cleaned_data["appointment_type"]
        chosen_practitioner = filters.cleaned_data["practitioner"]
    entries = waitlist_entries(
        actor=request.actor,
        unit=unit,
        appointment_type=chosen_type,
        practitioner=chosen_practitioner,
    )
    context = {
        "unit": unit,
        "filters": filters,
        "rows": _rows(entries, timezone.now()),
        "entry_form": entry_form or EntryForm(**choices),
        "offer_form": offer_form or OfferForm(**choices),
        "hits": hits,
        "can_book": request.actor.can(Perm.SCHEDULE_BOOK),
    }
    return render(request, "scheduling/waitlist/list.html", context, status=status)


@requires(Perm.SCHEDULE_VIEW)
@require_GET
def waitlist_home_view(request: ActorRequest) -> HttpResponse:
    """The actor's own unit's list; with several units, a choice."""
    actor = request.actor
    units = schedule_units(actor=actor)
    if actor.unit is not None and any(u.pk == actor.unit.pk for u in units):
        return redirect("waitlist_list", unit_id=actor.unit.public_id)
    if len(units) == 1:
        return redirect("waitlist_list", unit_id=units[0].public_id)
    return render(request, "scheduling/waitlist/choose_unit.html", {"units": units})


@requires(Perm.SCHEDULE_VIEW)
@require_GET
def waitlist_list_view(request: ActorRequest, unit_id: str) -> HttpResponse:
    unit = access_schedule_unit(actor=request.actor, public_id=unit_id)
    return _page(request, unit)


@requires(Perm.SCHEDULE_BOOK, Perm.PATIENT_VIEW)
@require_POST
def waitlist_add_view(request: ActorRequest, unit_id: str) -> HttpResponse:
    """Put a patient on the list. A search with several hits shows them to choose from."""
    actor = request.actor
    unit = access_schedule_unit(actor=actor, public_id=unit_id)
    form = EntryForm(request.POST, **_choices(request, unit))
    if not form.is_valid():
        return _page(request, unit, entry_form=form, status=422)
    data = form.cleaned_data
    chosen = data["patient"]
    if chosen is None:
        hits = patient_search(actor=actor, query=data["patient_query"], channel=Channel.UI)
        if not hits:
            form.add_error("patient_query", _("No patient found. Check the CPR number or name."))
            return _page(request, unit, entry_form=form, status=422)
        if len(hits) > 1:
            return _page(request, unit, entry_form=form, hits=hits)
        chosen = hits[0].public_id
    patient = access_patient(actor=actor, public_id=chosen, channel=Channel.UI)
    try:
        waitlist_add(
            actor=actor,
            patient=patient,
            appointment_type=data["appointment_type"],
            practitioner=data["practitioner"],
            earliest=data["earliest"],
            latest=data["latest"],
            weekdays=weekdays_mask(data["weekdays"]),
            time_of_day=data["time_of_day"],
            note=data["note"],
        )
    except DomainError as exc:
        form_error_add(form, exc)
        return _page(request, unit, entry_form=form, status=422)
    messages.success(request, _("%(name)s is on the waiting list.") % {"name": patient.name})
    return redirect("waitlist_list", unit_id=unit.public_id)


@requires(Perm.SCHEDULE_BOOK)
@require_POST
def waitlist_close_view(request: ActorRequest, unit_id: str, entry_id: str) -> HttpResponse:
    """Done (the patient got a time) or removed."""
    actor = request.actor
    unit = access_schedule_unit(actor=actor, public_id=unit_id)
    entry = access_waitlist_entry(actor=actor, unit=unit, public_id=entry_id)
    done = request.POST.get("status") == "done"
    waitlist_close(
        actor=actor,
        entry=entry,
        status=WaitlistStatus.BOOKED if done else WaitlistStatus.REMOVED,
    )
    text = _("%(name)s is marked done.") if done else _("%(name)s is off the waiting list.")
    messages.success(request, text % {"name": entry.patient.name})
    return redirect("waitlist_list", unit_id=unit.public_id)


@requires(Perm.SCHEDULE_BOOK)
@require_POST
def waitlist_offer_view(request: ActorRequest, unit_id: str) -> HttpResponse:
    """Offer a free time to the list by hand."""
    actor = request.actor
    unit = access_schedule_unit(actor=actor, public_id=unit_id)
    form = OfferForm(request.POST, **_choices(request, unit))
    if not form.is_valid():
        return _page(request, unit, offer_form=form, status=422)
    data = form.cleaned_data
    start = datetime.combine(data["date"], data["time"], tzinfo=LOCAL)
    try:
        opening = waitlist_opening_offer(
            actor=actor,
            appointment_type=data["appointment_type"],
            start=start,
            practitioner=data["practitioner"],
        )
    except DomainError as exc:
        form_error_add(form, exc, {"start": "date"})
        return _page(request, unit, offer_form=form, status=422)
    if opening is None:
        messages.warning(request, _("Nobody on the waiting list fits that time."))
    else:
        count = opening.offers.count()
        messages.success(
            request, _("The time is offered to %(count)d on the waiting list.") % {"count": count}
        )
    return redirect("waitlist_list", unit_id=unit.public_id)
