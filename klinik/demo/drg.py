"""A month of DRG values for the hospital's outpatient clinics, taken in as the region's file
would be (reporting.drg.services.drg_import): a DAGS group and tariff for each contact of the
last 31 days, and a DRG group for each pathway started then. The groups have the shape of
DkDRG/DAGS codes and the amounts are invented for the demo: no SDS tariff table is shipped
(its redistribution terms are not stated; docs/drg-import.md)."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from klinik.core.choices import Role
from klinik.core.models import Membership, Unit
from klinik.core.services import actor_from_membership
from klinik.pathways.models import Pathway
from klinik.records.models import Contact
from klinik.reporting.drg.csvformat import HEADER
from klinik.reporting.drg.services import drg_import
from klinik.reporting.models import DrgImport

# (group, tariff in DKK): invented demo amounts in the range of outpatient visits.
DAGS_GROUPS = [("BG50A", "1.650"), ("PG12A", "2.450"), ("BG01A", "980"), ("PG05A", "4.120")]
DRG_GROUPS = [("04MA98", "3.890"), ("05MA11", "6.275"), ("10MA98", "2.910")]


def _line(period: str, kind: str, public_id: object, drg: str, dags: str, tariff: str) -> str:
    return ";".join([period, kind, str(public_id), drg, dags, tariff])


def demo_drg(*, units: list[Unit], rng: random.Random) -> None:
    """One import per hospital organisation; nothing when it has imported already."""
    if not units or DrgImport.objects.filter(organisation_id=units[0].organisation_id).exists():
        return
    membership = (
        Membership.objects.filter(
            organisation_id=units[0].organisation_id, role=Role.SECRETARY, is_active=True
        )
        .select_related("user", "organisation", "unit")
        .order_by("id")
        .first()
    )
    if membership is None:
        return
    since = timezone.now() - timedelta(days=31)
    unit_ids = [u.pk for u in units]
    lines = [";".join(HEADER)]
    for public_id, started_at in Contact.objects.filter(
        organisation_id=units[0].organisation_id, unit_id__in=unit_ids, started_at__gte=since
    ).values_list("public_id", "started_at"):
        group, tariff = rng.choice(DAGS_GROUPS)
        period = f"{timezone.localtime(started_at):%Y-%m}"
        lines.append(_line(period, "kontakt", public_id, "", group, tariff))
    for public_id, started_at in Pathway.objects.filter(
        organisation_id=units[0].organisation_id, unit_id__in=unit_ids, started_at__gte=since
    ).values_list("public_id", "started_at"):
        group, tariff = rng.choice(DRG_GROUPS)
        period = f"{timezone.localtime(started_at):%Y-%m}"
        lines.append(_line(period, "forloeb", public_id, group, "", tariff))
    if len(lines) == 1:
        return
    drg_import(
        actor=actor_from_membership(membership),
        file_name="drg-demo.csv",
        data=("\n".join(lines) + "\n").encode(),
    )
