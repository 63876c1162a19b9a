"""The system's runs of the LPR3 re-validation: nightly (a task), after a change to a contact
(the records hook), and by hand (`klinik lpr3 revalidate`)."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus

from klinik.core.models import Organisation
from klinik.pathways.selectors import lpr3_patient_ids
from klinik.reporting.lpr3_report.services import (
    lpr3_patient_ids_revalidate,
    lpr3_unit_revalidate,
)
from klinik.reporting.tasks import revalidate_lpr3

if TYPE_CHECKING:
    from klinik.core.policy import Actor
    from klinik.records.models import Contact

logger = logging.getLogger(__name__)
NIGHTLY_AT = time(2, 30)  # local time: after the day's work, before the morning


def lpr3_revalidate_all(*, now: datetime | None = None) -> dict[str, Any]:
    """Every organisation's patients with a pathway. Counts only."""
    totals = {"patients": 0, "found": 0, "fixed": 0, "open": 0}
    for organisation_id in Organisation.objects.order_by("pk").values_list("pk", flat=True):
        result = lpr3_unit_revalidate(organisation_id=organisation_id, now=now)
        for key in totals:
            totals[key] += getattr(result, key)
    return totals


def next_night(now: datetime) -> datetime:
    local = timezone.localtime(now)
    at = timezone.make_aware(datetime.combine(local.date(), NIGHTLY_AT))
    return (
        at
        if at > now
        else timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), NIGHTLY_AT))
    )


def lpr3_revalidate_schedule(*, now: datetime | None = None) -> bool:
    """Queue the next nightly run unless one is queued already (starting the server again
    never doubles the chain). Returns whether one was queued."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=revalidate_lpr3.module_path, status=TaskResultStatus.READY
    )
    if waiting.exists():
        return False
    revalidate_lpr3.using(run_after=next_night(now or timezone.now())).enqueue()
    return True


def lpr3_contact_changed(contact: Contact, actor: Actor | None) -> None:
    """records.hooks.CONTACT_CHANGED / CONTACT_CLOSED: re-validate the contact's patient, when
    a pathway makes them reported. Must not raise: the change is committed already."""
    try:
        if contact.patient_id in lpr3_patient_ids(
            organisation_id=contact.organisation_id, patient_id=contact.patient_id
        ):
            lpr3_patient_ids_revalidate(
                organisation_id=contact.organisation_id, patient_ids=[contact.patient_id]
            )
    except Exception:  # the error list catches up at night
        logger.exception("LPR3 re-validation after a contact change failed")


def lpr3_contact_closed(contact: Contact, actor: Actor | None) -> None:
    """records.hooks.CONTACT_CLOSED runs inside the close's transaction: re-validate after it."""
    transaction.on_commit(lambda: lpr3_contact_changed(contact, actor))
