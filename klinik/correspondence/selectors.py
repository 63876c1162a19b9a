"""Reads of the outbox."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.core.policy import Actor, Perm, require
from klinik.correspondence.models import OutboxMessage

PER_PAGE = 50


def outbox_count(*, actor: Actor, status: str, reason: str = "") -> int:
    """How many of the organisation's messages have the status (and reason): a number, no
    patient shown, so nothing to log."""
    require(actor, Perm.SCHEDULE_VIEW)
    messages = OutboxMessage.objects.filter(
        organisation_id__in=actor.organisation_ids, status=status
    )
    return (messages.filter(reason=reason) if reason else messages).count()


def outbox_messages(
    *,
    actor: Actor,
    status: str = "",
    channel: str = "",
    kind: str = "",
    reason: str = "",
    day: date | None = None,
    page: int | str = 1,
    log_channel: Channel = Channel.UI,
) -> Page[OutboxMessage]:
    """A page of the organisation's messages, newest first, with patient and unit (2 queries
    and the log entry). Showing the outbox shows patients and their contact details: one
    access-log entry per page shown."""
    require(actor, Perm.SCHEDULE_VIEW)
    messages = OutboxMessage.objects.filter(organisation_id__in=actor.organisation_ids)
    filters = {"status": status, "channel": channel, "kind": kind, "reason": reason}
    for field, value in filters.items():
        if value:
            messages = messages.filter(**{field: value})
    if day is not None:
        local = timezone.get_default_timezone()
        start = datetime.combine(day, time.min, tzinfo=local)
        end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=local)
        messages = messages.filter(scheduled_for__gte=start, scheduled_for__lt=end)
    shown = Paginator(
        messages.select_related("patient", "unit").order_by("-scheduled_for", "-id"), PER_PAGE
    ).get_page(page)
    described = " ".join(f"{k}={v}" for k, v in filters.items() if v)
    if day is not None:
        described += f" day={day.isoformat()}"
    access_log_record(
        actor=actor,
        action=Action.VIEW,
        purpose=Purpose.ADMINISTRATION,
        channel=log_channel,
        object_type="outbox",
        reason=f"{described.strip() or 'all'}: page {shown.number}, "
        f"{len(shown.object_list)} of {shown.paginator.count} messages",
    )
    return shown
