"""The deadline the error list shows per finding (ADR 0032's table). LPR3 wants a contact
complete within 30 days of its start (rule 05.15); the same horizon is used for the rest, counted
from the moment that made the finding possible."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

DAYS = 30

# rule id → what the 30 days count from. Rules not named count from the contact's start (a
# finding on a contact), else the pathway's start, else the day the finding was first seen.
COUNT_FROM: dict[str, str] = {
    "05.15": "contact_start",  # aktionsdiagnose 30 days after the start
    "05.14": "contact_end",  # a closed contact's one aktionsdiagnose
    "02.02": "pathway_end",  # a closed pathway's afslutningsmåde
}


def finding_deadline(
    *,
    rule: str,
    contact: tuple[datetime, datetime | None] | None,
    pathway: tuple[datetime, datetime | None] | None,
    first_seen: datetime,
) -> date:
    start: datetime = first_seen
    how = COUNT_FROM.get(rule, "")
    if how == "contact_end" and contact is not None and contact[1] is not None:
        start = contact[1]
    elif how == "pathway_end" and pathway is not None and pathway[1] is not None:
        start = pathway[1]
    elif contact is not None:
        start = contact[0]
    elif pathway is not None:
        start = pathway[0]
    return timezone.localdate(start) + timedelta(days=DAYS)
