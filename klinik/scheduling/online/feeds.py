"""iCalendar feeds: a practitioner's appointments in their own calendar app, behind a private
token URL (Resource.feed_token holds the token's hash; the token is shown once).

A calendar app fetches the feed without logging in, often from a cloud service, so the feed
says as little as it can: the appointment type, the time and the place. No patient names;
initials only when the practitioner asks for them (``?initials=1``), and never for a patient
with name and address protection. Every fetch is written to the access log.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import icalendar
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.policy import Actor, Perm, require
from klinik.core.tokens import token_hash
from klinik.scheduling.choices import ACTIVE_STATUSES, ResourceKind
from klinik.scheduling.models import Appointment, AppointmentResource, Resource
from klinik.scheduling.selectors import holds_attach

PAST_DAYS = 14
FUTURE_DAYS = 90
TOKEN_BYTES = 32  # 43 URL-safe characters; Resource.feed_token holds the SHA-256 hex (64)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
PRODID = "-//Klinik//Calendar feed//DA"


def feed_resource(token: str) -> Resource:
    """The practitioner whose feed the token opens; 404 for anything else."""
    if not _TOKEN.match(token or ""):
        raise Http404
    hashed = token_hash(token)
    resource = (
        Resource.objects.select_related("user", "unit")
        .filter(feed_token=hashed, is_active=True, kind=ResourceKind.PRACTITIONER)
        .first()
    )
    if resource is None or not secrets.compare_digest(resource.feed_token, hashed):
        raise Http404
    return resource


def _initials(appointment: Appointment) -> str:
    patient = appointment.patient
    if patient.is_address_protected:
        return ""
    letters = [part[0] for part in (patient.given_name, patient.family_name) if part]
    return "".join(f"{letter.upper()}." for letter in letters)


def calendar_feed(*, token: str, with_initials: bool = False) -> bytes:
    """The practitioner's active appointments from PAST_DAYS back to FUTURE_DAYS ahead."""
    resource = feed_resource(token)
    now = timezone.now()
    appointments = holds_attach(
        list(
            Appointment.objects.filter(
                organisation_id=resource.organisation_id,
                pk__in=AppointmentResource.objects.filter(
                    resource=resource,
                    start__gte=now - timedelta(days=PAST_DAYS),
                    start__lt=now + timedelta(days=FUTURE_DAYS),
                ).values("appointment_id"),
                status__in=ACTIVE_STATUSES,
            )
            .select_related("appointment_type", "unit", *(["patient"] if with_initials else []))
            .order_by("start", "id")
        )
    )
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Klinik: {resource.name}")
    calendar.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    for appointment in appointments:
        calendar.add_component(_event(appointment, resource, now, with_initials))
    access_log_record(
        actor=None,
        user=resource.user,
        username="calendar-feed",
        action=Action.EXPORT if with_initials else Action.VIEW,
        purpose=Purpose.ADMINISTRATION,
        channel=Channel.API,
        object_type="calendar_feed",
        object_id=resource.public_id,
        organisation_id=resource.organisation_id,
        reason=f"{len(appointments)} appointments" + (", with initials" if with_initials else ""),
    )
    body: bytes = calendar.to_ical()  # icalendar leaves it unannotated
    return body


def _event(
    appointment: Appointment, resource: Resource, now: object, with_initials: bool
) -> icalendar.Event:
    summary = appointment.appointment_type.name
    if with_initials:
        initials = _initials(appointment)
        if initials:
            summary = f"{summary} ({initials})"
    places = [
        hold.resource.name for hold in appointment.holds if hold.resource.kind == ResourceKind.ROOM
    ]
    event = icalendar.Event()
    event.add("uid", f"{appointment.public_id}@klinik")
    event.add("dtstamp", now)
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("summary", summary)
    event.add("location", ", ".join([appointment.unit.name, *places]))
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


# Managing the token ---------------------------------------------------------------------------


def feed_resources_for(*, actor: Actor) -> list[Resource]:
    """The practitioners whose feed the actor may manage: their own; a manager's, all of the
    organisation's."""
    require(actor, Perm.SCHEDULE_VIEW)
    resources = Resource.objects.filter(
        organisation_id__in=actor.organisation_ids,
        kind=ResourceKind.PRACTITIONER,
        is_active=True,
    ).select_related("unit", "user")
    if not actor.can(Perm.STAFF_MANAGE):
        resources = resources.filter(user=actor.user)
    return list(resources.order_by("unit__name", "sort_order", "name"))


def access_feed_resource(*, actor: Actor, public_id: object) -> Resource:
    found = next(
        (r for r in feed_resources_for(actor=actor) if str(r.public_id) == str(public_id)), None
    )
    if found is None:
        raise Http404
    return found


def _token_log(actor: Actor, resource: Resource, reason: str) -> None:
    access_log_record(
        actor=actor,
        action=Action.TOKEN_CREATE,
        purpose=Purpose.SECURITY,
        channel=Channel.UI,
        object_type="calendar_feed",
        object_id=resource.public_id,
        organisation_id=resource.organisation_id,
        reason=reason,
    )


def resource_feed_rotate(*, actor: Actor, resource: Resource) -> str:
    """A new private token: the old URL stops working at once. Returns the token, to show
    once: only its hash is stored."""
    require(actor, Perm.SCHEDULE_VIEW)
    access_feed_resource(actor=actor, public_id=resource.public_id)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic(durable=True):
        reason = "rotated" if resource.feed_token else "created"
        Resource.objects.filter(pk=resource.pk).update(feed_token=token_hash(token))
        _token_log(actor, resource, reason)
    resource.feed_token = token_hash(token)
    return token


def resource_feed_revoke(*, actor: Actor, resource: Resource) -> Resource:
    require(actor, Perm.SCHEDULE_VIEW)
    access_feed_resource(actor=actor, public_id=resource.public_id)
    with transaction.atomic(durable=True):
        Resource.objects.filter(pk=resource.pk).update(feed_token="")
        _token_log(actor, resource, "revoked")
    resource.feed_token = ""
    return resource
