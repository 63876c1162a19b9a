"""Writes on a pathway: markers (forløbsmarkører) set or removed, appointments and contacts
linked, the pathway closed with its afslutningsmåde. Each change of an event re-computes the
referral's deadlines in the same transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel
from klinik.core.policy import Actor, Perm, require
from klinik.pathways.deadlines import deadlines_recompute
from klinik.pathways.errors import PathwayCode, PathwayError
from klinik.pathways.history import pathways_access_log
from klinik.pathways.models import Pathway, PathwayLink, PathwayMarker, PathwayStep, Referral
from klinik.pathways.referral_services import sks_code_check
from klinik.records.models import Contact
from klinik.scheduling.models import Appointment


def _log(actor: Actor, pathway: Pathway, action: Action, channel: Channel, reason: str) -> None:
    pathways_access_log(
        actor=actor,
        action=action,
        object_type="pathway",
        object_id=pathway.public_id,
        patient_public_id=pathway.patient.public_id,
        organisation_id=pathway.organisation_id,
        channel=channel,
        reason=reason,
    )


def _recompute(actor: Actor, pathway: Pathway, channel: Channel) -> None:
    if pathway.referral_id is not None:
        referral = Referral.objects.select_related("unit", "patient").get(pk=pathway.referral_id)
        deadlines_recompute(referral, actor=actor, channel=channel)


def _aware(at: datetime) -> datetime:
    return timezone.make_aware(at) if timezone.is_naive(at) else at


def pathway_marker_add(
    *, actor: Actor, pathway: Pathway, code: str, at: datetime, channel: Channel = Channel.UI
) -> PathwayMarker:
    """Set a marker (an AFV…/AFB… code valid at `at`) inside the pathway's period; refusals
    name `code` or `at`."""
    require(actor, Perm.PATHWAY_EDIT)
    at = _aware(at)
    code = sks_code_check(code, on=at, field="code", prefix="AF")
    if at > timezone.now() + timedelta(minutes=1):
        raise PathwayError(
            PathwayCode.MARKER_OUTSIDE_PERIOD, PathwayError.MARKER_OUTSIDE_PERIOD, field="at"
        )
    with transaction.atomic(durable=True):
        locked = Pathway.objects.select_for_update().get(pk=pathway.pk)
        locked.patient = pathway.patient
        if at < locked.started_at or (locked.ended_at is not None and at > locked.ended_at):
            raise PathwayError(
                PathwayCode.MARKER_OUTSIDE_PERIOD, PathwayError.MARKER_OUTSIDE_PERIOD, field="at"
            )
        marker = PathwayMarker.objects.create(
            organisation_id=locked.organisation_id,
            pathway=locked,
            code=code,
            at=at,
            created_by=actor.user,
        )
        # A planned step with this marker is done by it.
        PathwayStep.objects.filter(pathway=locked, marker=code, done_at__isnull=True).update(
            done_at=at
        )
        _recompute(actor, locked, channel)
        _log(actor, locked, Action.UPDATE, channel, f"marker {code}")
    return marker


def pathway_marker_remove(
    *, actor: Actor, marker: PathwayMarker, channel: Channel = Channel.UI
) -> PathwayMarker:
    """Mark a marker set in error as removed (kept, ignored by the deadlines)."""
    require(actor, Perm.PATHWAY_EDIT)
    with transaction.atomic(durable=True):
        locked = PathwayMarker.objects.select_for_update().get(pk=marker.pk)
        if locked.removed_at is None:
            locked.removed_at = timezone.now()
            locked.removed_by = actor.user
            locked.save(update_fields=["removed_at", "removed_by"])
        pathway = Pathway.objects.select_related("patient").get(pk=locked.pathway_id)
        _recompute(actor, pathway, channel)
        _log(actor, pathway, Action.UPDATE, channel, f"marker {locked.code} removed")
    return locked


def pathway_link(
    *,
    actor: Actor,
    pathway: Pathway,
    appointment: Appointment | None = None,
    contact: Contact | None = None,
    channel: Channel = Channel.UI,
) -> PathwayLink:
    """Put an appointment (a booking: meets "tell the patient") or a contact on the pathway."""
    require(actor, Perm.PATHWAY_EDIT)
    target = appointment if appointment is not None else contact
    if target is None or (appointment is not None and contact is not None):
        raise PathwayError(PathwayCode.REQUIRED, PathwayError.REQUIRED, field="appointment")
    if target.patient_id != pathway.patient_id:
        raise PathwayError(
            PathwayCode.LINK_OTHER_PATIENT, PathwayError.LINK_OTHER_PATIENT, field="appointment"
        )
    with transaction.atomic(durable=True):
        link, _created = PathwayLink.objects.get_or_create(
            organisation_id=pathway.organisation_id,
            pathway=pathway,
            appointment=appointment,
            contact=contact,
        )
        _recompute(actor, pathway, channel)
        _log(actor, pathway, Action.UPDATE, channel, "appointment" if appointment else "contact")
    return link


def pathway_close(
    *,
    actor: Actor,
    pathway: Pathway,
    ended_at: datetime,
    end_mode: str,
    channel: Channel = Channel.UI,
) -> Pathway:
    """End the pathway with its afslutningsmåde (an SKS code, LPR3 rule 02.02)."""
    require(actor, Perm.PATHWAY_EDIT)
    ended_at = _aware(ended_at)
    if not end_mode.strip():
        raise PathwayError(PathwayCode.REQUIRED, PathwayError.REQUIRED, field="end_mode")
    end_mode = sks_code_check(end_mode, on=ended_at, field="end_mode", prefix="ALAC")
    with transaction.atomic(durable=True):
        locked = Pathway.objects.select_for_update().get(pk=pathway.pk)
        locked.patient = pathway.patient
        if locked.ended_at is not None:
            raise PathwayError(
                PathwayCode.PATHWAY_CLOSED, PathwayError.PATHWAY_CLOSED, field="ended_at"
            )
        last_marker = locked.markers.filter(removed_at__isnull=True).order_by("-at").first()
        if ended_at < locked.started_at or (last_marker and ended_at < last_marker.at):
            raise PathwayError(
                PathwayCode.END_BEFORE_START, PathwayError.END_BEFORE_START, field="ended_at"
            )
        locked.ended_at, locked.end_mode = ended_at, end_mode
        locked.save(update_fields=["ended_at", "end_mode"])
        _log(actor, locked, Action.UPDATE, channel, f"closed {end_mode}")
    return locked


def pathway_booking_link(appointment: Appointment, event: str) -> None:
    """scheduling.hooks.APPOINTMENT_CHANGED (run by the worker after the booking committed):
    a booking for a patient with one open pathway at the appointment's unit goes on that
    pathway, which meets "tell the patient" and re-computes the deadlines. The booking itself
    is in the access log; with two open pathways there the desk chooses by hand."""
    if event != "booked":
        return
    pathways = list(
        Pathway.objects.select_related("patient").filter(
            organisation_id=appointment.organisation_id,
            unit_id=appointment.unit_id,
            patient_id=appointment.patient_id,
            ended_at__isnull=True,
            started_at__lte=appointment.created_at,
        )[:2]
    )
    if len(pathways) != 1:
        return
    pathway = pathways[0]
    PathwayLink.objects.get_or_create(
        organisation_id=pathway.organisation_id, pathway=pathway, appointment=appointment
    )
    if pathway.referral_id is not None:
        referral = Referral.objects.select_related("unit", "patient").get(pk=pathway.referral_id)
        deadlines_recompute(referral, actor=None, channel=Channel.TASK)
