"""Reads for the setup screens: the acting organisation and its units (inactive ones too)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from klinik.core.models import Organisation, Unit
from klinik.core.policy import Actor, Perm, require


def setup_organisation(*, actor: Actor) -> Organisation:
    """The organisation the manager sets up: the one they act for (a community has none)."""
    require(actor, Perm.CLINIC_SETUP)
    if actor.organisation is None:
        raise Http404
    return Organisation.objects.get(pk=actor.organisation.pk)


def setup_units(*, actor: Actor) -> QuerySet[Unit]:
    organisation = setup_organisation(actor=actor)
    return Unit.objects.filter(organisation=organisation).order_by("-is_active", "name")


def setup_unit(*, actor: Actor, public_id: object) -> Unit:
    """One unit of the acting organisation; the same 404 for missing and another's."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    unit = setup_units(actor=actor).filter(public_id=key).first()
    if unit is None:
        raise Http404
    return unit


def setup_unit_chosen(*, actor: Actor, public_id: str = "") -> Unit:
    """The unit a per-unit setup screen shows: the one asked for (?unit=), else the unit the
    manager acts in, else the organisation's first."""
    if public_id:
        return setup_unit(actor=actor, public_id=public_id)
    units = setup_units(actor=actor)
    if actor.unit is not None:
        own = units.filter(pk=actor.unit.pk).first()
        if own is not None:
            return own
    first = units.first()
    if first is None:
        raise Http404
    return first
