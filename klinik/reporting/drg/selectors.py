"""Reads of the imported DRG values: per unit and month, per pathway, and a unit's
production per month for the dashboards. Sums in the database; no patient rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from klinik.core.models import Unit
from klinik.core.policy import Actor, Perm, require
from klinik.pathways.models import Pathway
from klinik.pathways.selectors import pathway_contact_ids
from klinik.reporting.models import DrgImport, DrgValue


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months first..last touches."""
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


@dataclass(frozen=True)
class MonthSum:
    month: date
    count: int
    total: Decimal


@dataclass
class UnitMonths:
    unit: Unit
    months: list[MonthSum]

    @property
    def total(self) -> Decimal:
        return sum((m.total for m in self.months), Decimal(0))

    @property
    def count(self) -> int:
        return sum(m.count for m in self.months)


@dataclass
class DrgTable:
    months: list[date]
    rows: list[UnitMonths]
    totals: list[MonthSum] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((m.total for m in self.totals), Decimal(0))


def drg_production_by_month(*, unit: Unit, first: date, last: date) -> list[MonthSum]:
    """The unit's imported DRG values per month of first..last: how many and their sum."""
    found = {
        row["period"]: (row["count"], row["total"])
        for row in DrgValue.objects.filter(
            organisation_id=unit.organisation_id,
            unit_id=unit.pk,
            period__gte=first.replace(day=1),
            period__lte=last,
        )
        .values("period")
        .annotate(count=Count("id"), total=Sum("tariff"))
        .order_by()
    }
    return [
        MonthSum(
            m, found.get(m, (0, Decimal(0)))[0], found.get(m, (0, Decimal(0)))[1] or Decimal(0)
        )
        for m in months_between(first, last)
    ]


def drg_unit_table(*, actor: Actor, units: list[Unit], first: date, last: date) -> DrgTable:
    """Per unit (of the actor's organisation) and month, the values imported: one grouped
    query."""
    require(actor, Perm.REPORT_DASHBOARD)
    months = months_between(first, last)
    units = [u for u in units if u.organisation_id in actor.organisation_ids]
    found: dict[tuple[int, date], tuple[int, Decimal]] = {}
    for row in (
        DrgValue.objects.filter(
            organisation_id__in=actor.organisation_ids,
            unit_id__in=[u.pk for u in units],
            period__gte=months[0] if months else first,
            period__lte=last,
        )
        .values("unit_id", "period")
        .annotate(count=Count("id"), total=Sum("tariff"))
        .order_by()
    ):
        found[(row["unit_id"], row["period"])] = (row["count"], row["total"] or Decimal(0))
    rows = [
        UnitMonths(u, [MonthSum(m, *found.get((u.pk, m), (0, Decimal(0)))) for m in months])
        for u in units
    ]
    totals = [
        MonthSum(
            m,
            sum(r.months[i].count for r in rows),
            sum((r.months[i].total for r in rows), Decimal(0)),
        )
        for i, m in enumerate(months)
    ]
    return DrgTable(months, rows, totals)


@dataclass(frozen=True)
class PathwayValue:
    period: date
    source: str  # "pathway" or "contact"
    started_at: object  # the contact's start (None for the pathway's own value)
    drg_group: str
    dags_group: str
    tariff: Decimal


@dataclass
class PathwayDrg:
    values: list[PathwayValue]

    @property
    def total(self) -> Decimal:
        return sum((v.tariff for v in self.values), Decimal(0))


def drg_pathway_values(*, pathway: Pathway) -> PathwayDrg:
    """The values imported for the pathway itself and for the contacts linked to it, by
    month (the caller opened the pathway through pathways.access)."""
    contact_ids = pathway_contact_ids(pathway=pathway)
    rows = (
        DrgValue.objects.filter(
            Q(pathway_id=pathway.pk) | Q(contact_id__in=contact_ids),
            organisation_id=pathway.organisation_id,
        )
        .select_related("contact")
        .order_by("period", F("contact__started_at").asc(nulls_first=True), "id")
    )
    return PathwayDrg(
        [
            PathwayValue(
                v.period,
                "pathway" if v.pathway_id else "contact",
                v.contact.started_at if v.contact else None,
                v.drg_group,
                v.dags_group,
                v.tariff,
            )
            for v in rows
        ]
    )


def drg_imports_recent(*, actor: Actor, limit: int = 10) -> list[DrgImport]:
    require(actor, Perm.REPORT_DASHBOARD)
    return list(
        DrgImport.objects.filter(organisation_id__in=actor.organisation_ids)
        .select_related("imported_by")
        .order_by("-imported_at", "-id")[:limit]
    )
