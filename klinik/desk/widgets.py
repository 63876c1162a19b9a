"""Dashboard widgets: each declares the permission it needs and builds its own context.

Later issues register more (today's arrivals, the dictation queue, deadlines) by adding a
Widget to WIDGETS; the dashboard shows every widget the actor's permissions allow.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from klinik.audit.selectors import break_glass_pending
from klinik.core.choices import Role
from klinik.core.policy import Actor, Perm
from klinik.core.selectors import organisation_staff
from klinik.correspondence.choices import MessageReason, MessageStatus
from klinik.correspondence.selectors import outbox_count, outbox_messages
from klinik.records.clinical.ddv import vaccinations_unreported_count
from klinik.records.dictation.selectors import dictation_queue_summary
from klinik.records.journal.selectors import journal_to_sign_count
from klinik.scheduling.online.selectors import online_booking_units
from klinik.worklist.selectors import worklist_counts

UNSENT_SHOWN = 5  # the newest unsent messages listed on the dashboard


@dataclass(frozen=True)
class Widget:
    key: str
    title: Any
    template: str
    perm: Perm | None
    context: Callable[[Actor], dict[str, Any]]


def _search_context(actor: Actor) -> dict[str, Any]:
    return {}


def _worklist_context(actor: Actor) -> dict[str, Any]:
    """The work queue's counts per kind for the actor's unit: numbers, no patient shown."""
    counts = [c for c in worklist_counts(actor=actor) if c.count]
    return {
        "counts": counts,
        "total": sum(c.count for c in counts),
        "overdue": sum(c.overdue or 0 for c in counts),
    }


def _break_glass_context(actor: Actor) -> dict[str, Any]:
    if actor.organisation is None:
        return {"entries": [], "count": 0}
    pending = break_glass_pending(organisation_id=actor.organisation.pk)
    return {"entries": list(pending[:10]), "count": pending.count()}


def _staff_context(actor: Actor) -> dict[str, Any]:
    if actor.organisation is None:
        return {"rows": [], "total": 0}
    counts = Counter(
        organisation_staff(organisation=actor.organisation)
        .filter(is_active=True)
        .values_list("role", flat=True)
    )
    rows = [(Role(role).label, n) for role, n in sorted(counts.items())]
    return {"rows": rows, "total": sum(counts.values())}


def _to_sign_context(actor: Actor) -> dict[str, Any]:
    return {"count": journal_to_sign_count(actor=actor)}


def _dictation_context(actor: Actor) -> dict[str, Any]:
    return {"summary": dictation_queue_summary(actor=actor)}


def _vaccination_report_context(actor: Actor) -> dict[str, Any]:
    if actor.organisation is None:
        return {"count": 0}
    return {"count": vaccinations_unreported_count(organisation=actor.organisation)}


def _unsent_context(actor: Actor) -> dict[str, Any]:
    """Messages that never went because the patient gave no consent (or no number or address):
    the newest few and how many. Showing them shows patients: outbox_messages logs it (only
    when there are some: a count shows nobody)."""
    status, reason = MessageStatus.SKIPPED, MessageReason.NO_CHANNEL
    count = outbox_count(actor=actor, status=status, reason=reason)
    rows = []
    if count:
        page = outbox_messages(actor=actor, status=status, reason=reason, page=1)
        rows = list(page.object_list[:UNSENT_SHOWN])
    return {"rows": rows, "count": count, "query": urlencode({"status": status, "reason": reason})}


def _online_booking_context(actor: Actor) -> dict[str, Any]:
    return {"units": online_booking_units(actor=actor)}


def _security_context(actor: Actor) -> dict[str, Any]:
    return {"has_totp": actor.user.has_totp}


WIDGETS: list[Widget] = [
    Widget(
        "patient_search",
        _("Find patient"),
        "desk/widgets/_search.html",
        Perm.PATIENT_VIEW,
        _search_context,
    ),
    Widget(
        "worklist",
        _("Work queue"),
        "desk/widgets/_worklist.html",
        Perm.PATIENT_VIEW,
        _worklist_context,
    ),
    Widget(
        "break_glass",
        _("Emergency accesses to review"),
        "desk/widgets/_break_glass.html",
        Perm.AUDIT_REVIEW,
        _break_glass_context,
    ),
    Widget(
        "journal_to_sign",
        _("To approve"),
        "records/widgets/_to_sign.html",
        Perm.RECORD_SIGN,
        _to_sign_context,
    ),
    Widget(
        "dictation_queue",
        _("Dictations"),
        "records/widgets/_dictation_queue.html",
        Perm.RECORD_WRITE,
        _dictation_context,
    ),
    Widget(
        "vaccination_report",
        _("Vaccination register (DDV)"),
        "records/widgets/_vaccination_report.html",
        Perm.PATIENT_EXPORT,
        _vaccination_report_context,
    ),
    Widget(
        "unsent",
        _("Not sent: no consent or no number"),
        "desk/widgets/_unsent.html",
        Perm.SCHEDULE_VIEW,
        _unsent_context,
    ),
    Widget("staff", _("Staff"), "desk/widgets/_staff.html", Perm.STAFF_MANAGE, _staff_context),
    Widget(
        "online_booking",
        _("Online booking"),
        "desk/widgets/_online_booking.html",
        Perm.SCHEDULE_VIEW,
        _online_booking_context,
    ),
    Widget("security", _("Your login"), "desk/widgets/_security.html", None, _security_context),
]


def dashboard_widgets(actor: Actor) -> list[dict[str, Any]]:
    return [
        {"key": w.key, "title": w.title, "template": w.template, **w.context(actor)}
        for w in WIDGETS
        if w.perm is None or actor.can(w.perm)
    ]
