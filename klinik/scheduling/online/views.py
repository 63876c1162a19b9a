"""Public pages: online self-booking (no login), the patient's link to cancel or move, and the
practitioner's iCalendar feed; plus the logged-in page where the feed's token is made.

The public pages are marked @public; CSRF protection stays on for every form, public POSTs are
rate limited per client address, and nothing about other patients is ever shown.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any, ParamSpec

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from klinik.core.errors import SetupInvalid, form_error_add
from klinik.core.http import ActorRequest, PublicRequest
from klinik.core.models import Unit
from klinik.core.policy import Perm, public, requires
from klinik.core.ratelimit import client_address
from klinik.core.setup.selectors import setup_unit_chosen, setup_units
from klinik.patients.identifiers import IdentifierError
from klinik.scheduling.choices import WaitlistOfferStatus, WaitlistOpeningStatus
from klinik.scheduling.errors import BookingError, WaitlistError
from klinik.scheduling.models import AppointmentType
from klinik.scheduling.online import feeds, services
from klinik.scheduling.online import setup as online_setup
from klinik.scheduling.online.errors import OnlineError
from klinik.scheduling.online.forms import IdentifyForm, OnlineSettingsForm
from klinik.scheduling.waitlist import offer_state, waitlist_offer_accept, waitlist_offer_by_token

P = ParamSpec("P")


def _not_found(request: HttpRequest) -> HttpResponse:
    """The public "not found": no staff wording, no link to the dashboard."""
    return render(request, "scheduling/online/not_found.html", status=404)


def public_not_found(
    view: Callable[P, HttpResponse],
) -> Callable[P, HttpResponse]:
    """A made-up unit, type, time or practitioner answers with the public page, not the
    staff's 404 (the site's handler404)."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        try:
            return view(*args, **kwargs)
        except Http404:
            request = args[0]
            assert isinstance(request, HttpRequest)
            return _not_found(request)

    return wrapped


def _rate_limited(request: HttpRequest, kind: str, unit: Unit) -> HttpResponse | None:
    if services.rate_limit_allows(kind, client_address(request)):
        return None
    return render(
        request,
        "scheduling/online/message.html",
        {"title": _("Too many attempts"), "message": OnlineError.RATE_LIMITED, "unit": unit},
        status=429,
    )


def _slots_url(unit: Unit, kind: AppointmentType) -> str:
    return reverse("online_slots", kwargs={"unit_key": unit.slug, "type_id": kind.public_id})


# Booking --------------------------------------------------------------------------------------


@public
@never_cache
@require_GET
@public_not_found
def online_types_view(request: PublicRequest, unit_key: str) -> HttpResponse:
    """Step 1: what kind of appointment."""
    unit = services.online_unit(unit_key)
    return render(
        request,
        "scheduling/online/types.html",
        {"unit": unit, "types": services.online_types(unit), "step": 1},
    )


@public
@never_cache
@require_GET
@public_not_found
def online_slots_view(request: PublicRequest, unit_key: str, type_id: str) -> HttpResponse:
    """Step 2: a free time (times and practitioners only)."""
    unit = services.online_unit(unit_key)
    kind = services.online_type(unit, type_id)
    return _slots_page(request, unit, kind, first_day=_day(request.GET.get("from", "")))


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _slots_page(
    request: HttpRequest,
    unit: Unit,
    kind: AppointmentType,
    *,
    first_day: date | None = None,
    error: str = "",
    call: bool = False,
    status: int = 200,
) -> HttpResponse:
    days, next_day = services.online_slots(kind, first_day=first_day)
    return render(
        request,
        "scheduling/online/slots.html",
        {
            "unit": unit,
            "kind": kind,
            "days": days,
            "next_day": next_day,
            "show_later": services.online_has_later(next_day, unit.pk),
            "first_day": first_day,
            "error": error,
            "call": call,
            "step": 2,
            "details_url": reverse(
                "online_details", kwargs={"unit_key": unit.slug, "type_id": kind.public_id}
            ),
        },
        status=status,
    )


@public
@never_cache
@require_http_methods(["GET", "POST"])
@public_not_found
def online_details_view(request: PublicRequest, unit_key: str, type_id: str) -> HttpResponse:
    """Step 3: who you are. A valid answer shows step 4 (confirm) with the answer signed."""
    unit = services.online_unit(unit_key)
    kind = services.online_type(unit, type_id)
    source = request.POST if request.method == "POST" else request.GET
    start = services.parse_slot(source.get("start", ""))
    practitioner = services.online_practitioner(unit, source.get("with", ""))
    if not services.online_slot_is_free(kind, start, practitioner):
        return _slots_page(request, unit, kind, error=str(OnlineError.SLOT_GONE), status=409)
    form = IdentifyForm(request.POST or None)
    context: dict[str, Any] = {
        "unit": unit,
        "kind": kind,
        "start": start,
        "start_key": source.get("start", ""),
        "practitioner": practitioner,
        "form": form,
        "step": 3,
    }
    if request.method == "POST":
        limited = _rate_limited(request, "identify", unit)
        if limited is not None:
            return limited
        if form.is_valid():
            try:
                identity = services.online_identify(unit=unit, **form.cleaned_data)
            except IdentifierError as exc:
                form.add_error("cpr", str(exc.message))
            except OnlineError as exc:
                form_error_add(form, exc)
            else:
                context.update(
                    step=4,
                    identity=identity,
                    notice=services.online_identity_notice(unit=unit, identity=identity),
                    late=services.inside_cancel_limit(unit, start),
                    cancel_hours=services.unit_cancel_hours(unit.pk),
                    pending=services.pending_sign(
                        appointment_type=kind,
                        start=start,
                        practitioner=practitioner,
                        identity=identity,
                    ),
                )
                return render(request, "scheduling/online/confirm.html", context)
    status = 400 if form.errors else 200
    return render(request, "scheduling/online/details.html", context, status=status)


@public
@never_cache
@require_POST
@public_not_found
def online_confirm_view(request: PublicRequest, unit_key: str, type_id: str) -> HttpResponse:
    """Step 4 sent: book, then show the confirmation with the patient's own link."""
    unit = services.online_unit(unit_key)
    kind = services.online_type(unit, type_id)
    limited = _rate_limited(request, "book", unit)
    if limited is not None:
        return limited
    try:
        pending = services.pending_load(unit, request.POST.get("pending", ""))
    except OnlineError as exc:
        return _slots_page(request, unit, kind, error=exc.message, status=400)
    try:
        appointment = services.online_book(unit=unit, pending=pending)
    except BookingError as exc:
        return _slots_page(request, unit, kind, error=exc.message, status=409)
    except OnlineError as exc:
        return _slots_page(request, unit, kind, error=exc.message, call=True, status=400)
    token = services.manage_token(appointment)
    done = reverse("online_manage", kwargs={"token": token}) + "?booked=1"
    # The done page tells whether a confirmation is on its way; when none is, why, in the
    # words of the confirm step (the reason depends on what was typed, not kept anywhere).
    notice = services.online_identity_notice(unit=unit, identity=pending.identity)
    if notice is not None and not notice.sends:
        done += f"&why={notice.why}"
    return redirect(done)


@public
@never_cache
def online_not_found_view(request: PublicRequest, rest: str) -> HttpResponse:
    """Any other address under /book/."""
    return _not_found(request)


# The patient's link ---------------------------------------------------------------------------


def _link_refused(request: HttpRequest, exc: OnlineError) -> HttpResponse:
    expired = exc.message == str(OnlineError.LINK_EXPIRED)
    return render(
        request,
        "scheduling/online/message.html",
        {
            "title": _("The link has expired") if expired else _("The link is not valid"),
            "message": exc.message,
        },
        status=410 if expired else 404,
    )


@public
@never_cache
@require_http_methods(["GET", "POST"])
@public_not_found
def online_manage_view(request: PublicRequest, token: str) -> HttpResponse:
    """The appointment behind the patient's link; cancel it (POST)."""
    try:
        appointment = services.manage_appointment(token)
    except OnlineError as exc:
        return _link_refused(request, exc)
    error = notice = ""
    booked_notice = None
    status = 200
    if request.method == "POST":
        limited = _rate_limited(request, "manage", appointment.unit)
        if limited is not None:
            return limited
        try:
            appointment = services.online_cancel(token=token)
        except (BookingError, OnlineError) as exc:
            error, status = exc.message, 409
        else:
            notice = _("The appointment is cancelled.")
    else:
        services.manage_view_log(appointment)
        if request.GET.get("booked"):
            notice = _("Your appointment is booked.")
            booked_notice = services.online_booked_notice(appointment, request.GET.get("why", ""))
        elif request.GET.get("moved"):
            notice = _("Your appointment is moved.")
    context = _manage_context(
        appointment, token, error=error, notice=notice, booked_notice=booked_notice
    )
    context["manage_url"] = request.build_absolute_uri(
        reverse("online_manage", kwargs={"token": token})
    )
    return render(request, "scheduling/online/manage.html", context, status=status)


def _manage_context(appointment: Any, token: str, **extra: Any) -> dict[str, Any]:
    changeable = services.online_changeable(appointment)
    return {
        "appointment": appointment,
        "unit": appointment.unit,
        "token": token,
        "practitioners": services.appointment_practitioners(appointment),
        "changeable": changeable,
        "movable": changeable and services.online_can_move(appointment),
        "closes": services.cancel_closes_at(appointment),
        "cancel_hours": services.online_cancel_hours(appointment),
        **extra,
    }


@public
@never_cache
@require_http_methods(["GET", "POST"])
@public_not_found
def online_move_view(request: PublicRequest, token: str) -> HttpResponse:
    """Choose another free time of the same type (GET), move to it (POST)."""
    try:
        appointment = services.manage_appointment(token)
    except OnlineError as exc:
        return _link_refused(request, exc)
    error = ""
    status = 200
    if request.method == "POST":
        limited = _rate_limited(request, "manage", appointment.unit)
        if limited is not None:
            return limited
        try:
            services.online_move(
                token=token,
                start=services.parse_slot(request.POST.get("start", "")),
                practitioner_id=request.POST.get("with", ""),
            )
        except (BookingError, OnlineError) as exc:
            error, status = exc.message, 409
        else:
            return redirect(reverse("online_manage", kwargs={"token": token}) + "?moved=1")
    context = _manage_context(appointment, token, error=error)
    if context["movable"]:
        first_day = _day(request.GET.get("from", ""))
        days, next_day = services.online_slots(appointment.appointment_type, first_day=first_day)
        context.update(
            days=days,
            next_day=next_day,
            first_day=first_day,
            show_later=services.online_has_later(next_day, appointment.unit_id),
        )
    return render(request, "scheduling/online/move.html", context, status=status)


# Calendar feeds -------------------------------------------------------------------------------

SESSION_NEW_FEED = "klinik_new_feed"


@public
@require_GET
def calendar_feed_view(request: PublicRequest, token: str) -> HttpResponse:
    """The practitioner's iCalendar feed; the token in the URL is the only key."""
    body = feeds.calendar_feed(token=token, with_initials=request.GET.get("initials") == "1")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="klinik.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@requires(Perm.SCHEDULE_VIEW)
@require_GET
def calendar_feeds_view(request: ActorRequest) -> HttpResponse:
    """Make, renew or stop the calendar feed of one's own (a manager: any practitioner's)."""
    resources = feeds.feed_resources_for(actor=request.actor)
    # A token just made is shown this once (only its hash is stored).
    new_feed = request.session.pop(SESSION_NEW_FEED, None) or {}
    rows = []
    for resource in resources:
        url = ""
        if resource.feed_token and new_feed.get("resource") == str(resource.public_id):
            path = reverse("feed_ics", kwargs={"token": new_feed["token"]})
            url = request.build_absolute_uri(path)
        rows.append({"resource": resource, "url": url, "active": bool(resource.feed_token)})
    return render(request, "scheduling/online/calendar_feeds.html", {"rows": rows})


@requires(Perm.SCHEDULE_VIEW)
@require_POST
def calendar_feed_rotate_view(request: ActorRequest, resource_id: str) -> HttpResponse:
    resource = feeds.access_feed_resource(actor=request.actor, public_id=resource_id)
    had = bool(resource.feed_token)
    token = feeds.resource_feed_rotate(actor=request.actor, resource=resource)
    request.session[SESSION_NEW_FEED] = {"resource": str(resource.public_id), "token": token}
    messages.success(
        request,
        _("A new feed address is made; the old one no longer works.")
        if had
        else _("The feed address is made."),
    )
    return redirect("feed_list")


@requires(Perm.SCHEDULE_VIEW)
@require_POST
def calendar_feed_revoke_view(request: ActorRequest, resource_id: str) -> HttpResponse:
    resource = feeds.access_feed_resource(actor=request.actor, public_id=resource_id)
    feeds.resource_feed_revoke(actor=request.actor, resource=resource)
    messages.success(request, _("The feed is stopped."))
    return redirect("feed_list")


# The manager's settings ---------------------------------------------------------------------


@requires(Perm.CLINIC_SETUP)
@require_http_methods(["GET", "POST"])
def online_settings_view(request: ActorRequest) -> HttpResponse:
    """A unit's online booking: which types, how far ahead, the cancellation limit, the
    public link (with a copy button)."""
    unit = setup_unit_chosen(actor=request.actor, public_id=request.GET.get("unit", ""))
    current = online_setup.online_settings(actor=request.actor, unit=unit)
    form = OnlineSettingsForm(
        request.POST or None,
        initial={
            "days_ahead": current.days_ahead,
            "cancel_hours": current.cancel_hours,
            "types": [str(t.public_id) for t in current.types if t.bookable_online],
        },
        type_choices=[(str(t.public_id), t.name) for t in current.types],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            online_setup.online_settings_update(
                actor=request.actor,
                unit=unit,
                days_ahead=data["days_ahead"],
                cancel_hours=data["cancel_hours"],
                online_type_ids={uuid.UUID(value) for value in data["types"]},
            )
        except SetupInvalid as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("The online booking settings are saved."))
            return redirect(f"{reverse('setup_online')}?unit={unit.public_id}")
    booking_path = reverse("online_types", kwargs={"unit_key": unit.slug})
    return render(
        request,
        "scheduling/online/settings.html",
        {
            "form": form,
            "unit": unit,
            "units": setup_units(actor=request.actor),
            "public_link": request.build_absolute_uri(booking_path),
            "has_online_types": any(t.bookable_online for t in current.types),
        },
        status=400 if form.errors else 200,
    )


# The waiting list's offer ---------------------------------------------------------------------


@public
@never_cache
@require_http_methods(["GET", "POST"])
@public_not_found
def waitlist_offer_view(request: PublicRequest, token: str) -> HttpResponse:
    """The free time offered by SMS; accept it (POST). Taken, expired and withdrawn offers
    read the same; a made-up token gets the public "not found"."""
    try:
        offer = waitlist_offer_by_token(token)
    except WaitlistError as exc:
        raise Http404 from exc
    opening = offer.opening
    unit = opening.unit
    context: dict[str, Any] = {"opening": opening, "unit": unit, "token": token}
    status = 200
    if request.method == "POST":
        limited = _rate_limited(request, "waitlist", unit)
        if limited is not None:
            return limited
        try:
            waitlist_offer_accept(actor=services.online_booking_actor(unit), token=token)
        except WaitlistError as exc:
            context["error"], status = exc.message, 409
        else:
            context["booked"] = True
    else:
        context["available"] = (
            opening.status == WaitlistOpeningStatus.OPEN
            and offer_state(offer, timezone.now()) == WaitlistOfferStatus.SENT
        )
        if offer.status == WaitlistOfferStatus.ACCEPTED:
            context["booked"] = True
        context["unavailable"] = WaitlistError.UNAVAILABLE
    return render(request, "scheduling/online/waitlist_offer.html", context, status=status)
