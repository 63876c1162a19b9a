"""Clinic setup in the access log: who changed which setting, old value → new value.

Setup screens and the REST API write the organisation's configuration (units, resources, hours,
absences, appointment types, templates). Each change is one access-log entry in the same
transaction, so the hash chain covers it like every read of patient data; its reason holds the
changed fields as `field: old → new`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Model

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.models import AccessLogEntry
from klinik.audit.services import access_log_record
from klinik.core.policy import Actor

MAX_VALUE = 120  # a long text (a template body) is cut in the log, it stays in its table


def setup_snapshot(instance: Model, fields: Iterable[str]) -> dict[str, str]:
    """The named fields of `instance` as display strings (a choice as its label)."""
    values: dict[str, str] = {}
    for name in fields:
        display = getattr(instance, f"get_{name}_display", None)
        value = display() if callable(display) else getattr(instance, name)
        if isinstance(value, Model):
            value = str(value)
        elif isinstance(value, bool):
            value = "ja" if value else "nej"
        elif value is None:
            value = ""
        text = str(value)
        values[name] = text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"
    return values


def setup_changes(before: Mapping[str, str] | None, after: Mapping[str, str] | None) -> str:
    """`field: old → new` for each field that differs; a whole object when created/deleted."""
    if before is None and after is not None:
        return "; ".join(f"{k}: {v}" for k, v in after.items() if v)
    if after is None and before is not None:
        return "; ".join(f"{k}: {v} → —" for k, v in before.items() if v)
    assert before is not None and after is not None
    return "; ".join(
        f"{k}: {before.get(k, '') or '—'} → {after[k] or '—'}"
        for k in after
        if before.get(k, "") != after[k]
    )


def setup_change_record(
    *,
    actor: Actor,
    object_type: str,
    object_id: str | uuid.UUID | int,
    before: Mapping[str, str] | None,
    after: Mapping[str, str] | None,
    channel: Channel = Channel.UI,
) -> bool:
    """Log one setup change inside the caller's transaction; nothing when nothing changed.

    `before` None: created; `after` None: deleted. Returns whether an entry was written.
    """
    changes = setup_changes(before, after)
    if not changes:
        return False
    verb = "created" if before is None else "deleted" if after is None else "changed"
    access_log_record(
        actor=actor,
        action=Action.SETUP_CHANGE,
        purpose=Purpose.ADMINISTRATION,
        channel=channel,
        object_type=object_type,
        object_id=str(object_id),
        reason=f"{verb}: {changes}",
    )
    return True


@dataclass(frozen=True)
class SetupChange:
    occurred_at: datetime
    username: str
    object_type: str
    object_id: str
    changes: str


def setup_change_history(
    *, actor: Actor, object_type: str = "", object_id: str = "", limit: int = 50
) -> list[SetupChange]:
    """The latest setup changes of the actor's organisation, newest first."""
    entries = AccessLogEntry.objects.filter(
        action=Action.SETUP_CHANGE, organisation_id__in=actor.organisation_ids
    )
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    return [
        SetupChange(e.occurred_at, e.username, e.object_type, e.object_id, e.reason)
        for e in entries.order_by("-seq")[:limit]
    ]
