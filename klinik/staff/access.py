"""The one door to a staff member of the acting organisation."""

from __future__ import annotations

import uuid

from django.http import Http404

from klinik.core.models import Membership
from klinik.core.policy import Actor


def access_staff_member(actor: Actor, public_id: uuid.UUID | str) -> Membership:
    """A membership of the actor's organisation: the same 404 for 'missing' and 'not yours'."""
    if actor.organisation is None:
        raise Http404
    membership = (
        Membership.objects.select_related("user", "unit", "organisation")
        .filter(public_id=public_id, organisation=actor.organisation)
        .first()
    )
    if membership is None:
        raise Http404
    return membership
