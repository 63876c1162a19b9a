"""Reads of the incoming letters: the list (waiting first; a patient list, logged as one)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.letters.choices import IncomingStatus
from klinik.correspondence.models import IncomingLetter

LIST_LIMIT = 100


def incoming_letter_list(
    *, actor: Actor, waiting_only: bool = False, channel: Channel = Channel.UI
) -> list[IncomingLetter]:
    """The organisation's incoming letters: those waiting (for a patient, to be filed) first,
    oldest first; then the filed ones, newest first. At most LIST_LIMIT rows."""
    require(actor, Perm.RECORD_READ)
    rows = IncomingLetter.objects.filter(organisation_id__in=actor.organisation_ids)
    if waiting_only:
        rows = rows.exclude(status=IncomingStatus.FILED)
    found: list[IncomingLetter] = list(
        rows.select_related("patient", "unit")
        .annotate(
            waiting=Case(
                When(status=IncomingStatus.FILED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("waiting", "registered_at", "id")[:LIST_LIMIT]
    )
    patient_list_log(actor, "incoming_letters", len(found), channel)
    return found
