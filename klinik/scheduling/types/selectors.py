"""Reads for the appointment-type setup: a unit's types (inactive ones too) and resources."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.scheduling.models import AppointmentType, Resource, TypeRequirement


def setup_types(*, actor: Actor, unit: Unit) -> QuerySet[AppointmentType]:
    """The unit's types with their requirements and pools (one query each)."""
    require(actor, Perm.CLINIC_SETUP)
    return (
        AppointmentType.objects.filter(organisation_id=unit.organisation_id, unit=unit)
        .prefetch_related(
            Prefetch(
                "requirements",
                queryset=TypeRequirement.objects.order_by("pk").prefetch_related("allowed"),
            )
        )
        .order_by("-is_active", "name")
    )


def setup_type(*, actor: Actor, public_id: object) -> AppointmentType:
    """One type of the acting organisation; the same 404 for missing and another's."""
    require(actor, Perm.CLINIC_SETUP)
    if actor.organisation is None:
        raise Http404
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    found = (
        AppointmentType.objects.select_related("unit")
        .filter(public_id=key, organisation_id=actor.organisation.pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def unit_resources(*, unit: Unit) -> QuerySet[Resource]:
    """The unit's active resources: what a type's requirements may name."""
    return Resource.objects.filter(
        organisation_id=unit.organisation_id, unit=unit, is_active=True
    ).order_by("kind", "sort_order", "name")
