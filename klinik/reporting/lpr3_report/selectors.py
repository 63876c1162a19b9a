"""Reads of the error list (fejlliste): the open findings of a unit's LPR3 reports, each with
the patient, the deadline and the link to the field that fixes it. A list of patients: one
access-log entry per showing (ADR 0015)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from klinik.audit.choices import Channel
from klinik.audit.services import patient_list_log
from klinik.core.policy import Actor, Perm, require
from klinik.reporting.lpr3_report.models import Lpr3Finding, Lpr3Submission

# Rules fixed in the contact's LPR fields or stays (not its codes): the link opens those.
CONTACT_LPR_RULES = frozenset(
    {"5102", "5103", "5104", "5105", "5106", "5107", "5108", "07.51", "07.a"}
)
# ?sort= → the database order (the patient's CPR is the key of the CPR column).
SORTS: dict[str, tuple[str, ...]] = {
    "deadline": ("deadline", "rule", "pk"),
    "rule": ("rule", "deadline", "pk"),
    "cpr": ("patient__cpr", "deadline", "pk"),
    "first_seen": ("first_seen", "pk"),
    "severity": ("severity", "deadline", "pk"),
}
DEFAULT_SORT = "deadline"
LIST_LIMIT = 1000


@dataclass(frozen=True)
class ErrorRow:
    public_id: uuid.UUID
    rule: str
    severity: str
    message: str
    path: str
    deadline: date | None
    first_seen: datetime
    patient_public_id: uuid.UUID
    patient_name: str
    cpr_display: str
    fix_url: str
    is_overdue: bool


def fix_url(
    *,
    rule: str,
    patient_public_id: uuid.UUID,
    contact_public_id: uuid.UUID | None,
    pathway_public_id: uuid.UUID | None,
) -> str:
    """Straight to the field that fixes the finding: the contact on the coding screen (its
    LPR fields for the contact rules), else the pathway, else the patient."""
    if contact_public_id is not None:
        anchor = "lpr" if rule in CONTACT_LPR_RULES else "contact"
        coding = reverse("record_coding", args=[patient_public_id])
        return f"{coding}#{anchor}-{contact_public_id}"
    if pathway_public_id is not None:
        return reverse("pathway_detail", kwargs={"pathway_id": pathway_public_id})
    return reverse("patient_detail", args=[patient_public_id])


def open_findings(
    *, organisation_ids: Iterable[int], unit_ids: Iterable[int] | None = None
) -> QuerySet[Lpr3Finding]:
    """The open findings of the organisations (of the units, when given)."""
    rows = Lpr3Finding.objects.filter(
        organisation_id__in=list(organisation_ids), fixed_at__isnull=True
    )
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=list(unit_ids))
    return rows


def lpr3_error_list(
    *,
    actor: Actor,
    unit_ids: Iterable[int] | None,
    rule: str = "",
    sort: str = DEFAULT_SORT,
    channel: Channel = Channel.UI,
) -> tuple[list[ErrorRow], str]:
    """The open errors and warnings of the units (all the actor's when None), filtered by
    rule, in the asked order (an unknown one falls back); and the order used."""
    require(actor, Perm.REPORT_LPR3)
    key = sort if sort in SORTS else DEFAULT_SORT
    rows = open_findings(organisation_ids=actor.organisation_ids, unit_ids=unit_ids)
    if rule:
        rows = rows.filter(rule=rule)
    found = list(
        rows.order_by(*SORTS[key]).values(
            "public_id",
            "rule",
            "severity",
            "message",
            "path",
            "deadline",
            "first_seen",
            "patient__public_id",
            "patient__cpr",
            "patient__given_name",
            "patient__family_name",
            "contact__public_id",
            "pathway__public_id",
        )[:LIST_LIMIT]
    )
    patient_list_log(actor, "lpr3_error_list", len(found), channel)
    today = timezone.localdate()
    result = [
        ErrorRow(
            public_id=r["public_id"],
            rule=r["rule"],
            severity=r["severity"],
            message=r["message"],
            path=r["path"],
            deadline=r["deadline"],
            first_seen=r["first_seen"],
            patient_public_id=r["patient__public_id"],
            patient_name=f"{r['patient__given_name']} {r['patient__family_name']}".strip(),
            cpr_display=f"{r['patient__cpr'][:6]}-{r['patient__cpr'][6:]}",
            fix_url=fix_url(
                rule=r["rule"],
                patient_public_id=r["patient__public_id"],
                contact_public_id=r["contact__public_id"],
                pathway_public_id=r["pathway__public_id"],
            ),
            is_overdue=r["deadline"] is not None and r["deadline"] < today,
        )
        for r in found
    ]
    return result, key


def lpr3_error_rules(*, actor: Actor, unit_ids: Iterable[int] | None) -> list[str]:
    """The rules with open findings in the units (the filter's choices). No patient data."""
    rows = open_findings(organisation_ids=actor.organisation_ids, unit_ids=unit_ids)
    return sorted(set(rows.values_list("rule", flat=True)))


def lpr3_last_submission(*, organisation_id: int, patient_id: int) -> Lpr3Submission | None:
    return (
        Lpr3Submission.objects.filter(organisation_id=organisation_id, patient_id=patient_id)
        .order_by("-version")
        .first()
    )


def findings_by_rule(
    *, organisation_id: int, unit_id: int, start: datetime, end: datetime
) -> list[tuple[str, int, int]]:
    """Per rule, the unit's findings open at `end` and those fixed in [start, end), for the
    quality dashboard: counts only, no patient data."""
    rows = (
        Lpr3Finding.objects.filter(
            organisation_id=organisation_id, unit_id=unit_id, first_seen__lt=end
        )
        .filter(Q(fixed_at__isnull=True) | Q(fixed_at__gte=start))
        .values("rule")
        .annotate(
            still_open=Count("pk", filter=Q(fixed_at__isnull=True) | Q(fixed_at__gte=end)),
            fixed=Count("pk", filter=Q(fixed_at__gte=start, fixed_at__lt=end)),
        )
        .order_by("rule")
    )
    return [(row["rule"], row["still_open"], row["fixed"]) for row in rows]
