"""Writes from the work queue: "assign to me" hands the item to its own kind's service."""

from __future__ import annotations

import uuid

from django.http import Http404

from klinik.core.policy import Actor
from klinik.worklist.selectors import worklist_kind


def worklist_take(*, actor: Actor, kind: str, item_id: str) -> None:
    """The actor takes the item (a task, a dictation) through the kind's own service, which
    checks, writes and logs. Unknown kinds, kinds nobody takes and malformed ids are Http404,
    as a missing item is."""
    found = worklist_kind(actor=actor, key=kind)
    if found is None or found.take is None:
        raise Http404
    try:
        uuid.UUID(item_id)
    except ValueError as exc:
        raise Http404 from exc
    found.take(actor, item_id)
