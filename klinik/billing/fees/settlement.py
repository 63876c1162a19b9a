"""Regional settlement: a month's approved gruppe-1 fees in one batch, written in the file
format below and handed to the adapter named by `KLINIK_SETTLEMENT_BACKEND` (the region's
transport is out of reach from here; the local default keeps the file under DATA_DIR).

File format "KLINIK-AFREGNING 1" (UTF-8, semicolons, one line per fee after the header):

    KLINIK-AFREGNING;1;<ydernummer>;<CVR>;<YYYY-MM>;<number of fees>;<total kroner 0.00>
    <fee id>;<CPR>;<date YYYY-MM-DD>;<code>;<group>;<amount 0.00>

The fee id is the fee's public id: the region's rejection names it, and the rejection screen
finds the fee by it. Docs: docs/adr/0023.
"""

from __future__ import annotations

import io
import os
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils.module_loading import import_string

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.billing.choices import FeePayer, FeeStatus
from klinik.billing.errors import BillingCode, billing_error
from klinik.billing.models import Fee, Settlement
from klinik.core.models import Organisation
from klinik.core.policy import Actor, Perm, require

FORMAT = "KLINIK-AFREGNING"
VERSION = "1"


@dataclass(frozen=True)
class SettlementFile:
    name: str
    content: bytes


class SettlementBackend(Protocol):
    def send(self, organisation: Organisation, file: SettlementFile) -> str: ...


class LocalSettlementBackend:
    """Sends nothing: keeps the file under DATA_DIR/settlements/ (owner-only) and answers its
    name as the reference."""

    def send(self, organisation: Organisation, file: SettlementFile) -> str:
        folder = Path(settings.DATA_DIR) / "settlements"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / file.name
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(file.content)
        return f"local:{file.name}"


def settlement_backend() -> SettlementBackend:
    backend: SettlementBackend = import_string(settings.KLINIK_SETTLEMENT_BACKEND)()
    return backend


def _month(period: date) -> tuple[date, date]:
    first = period.replace(day=1)
    after = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, after


def settlement_file(settlement: Settlement) -> SettlementFile:
    """The batch's file, from its fees (the same bytes every time)."""
    organisation = Organisation.objects.get(pk=settlement.organisation_id)
    rows = (
        Fee.objects.filter(settlement=settlement)
        .order_by("performed_on", "id")
        .values_list(
            "public_id", "patient__cpr", "performed_on", "code", "insurance_group", "amount"
        )
    )
    out = io.StringIO()
    out.write(
        f"{FORMAT};{VERSION};{organisation.provider_number};{organisation.cvr};"
        f"{settlement.period:%Y-%m};{settlement.fee_count};{settlement.total:.2f}\n"
    )
    for public_id, cpr, performed_on, code, group, amount in rows:
        out.write(f"{public_id};{cpr};{performed_on:%Y-%m-%d};{code};{group};{amount:.2f}\n")
    short = str(settlement.public_id)[:8]
    name = f"afregning-{organisation.slug}-{settlement.period:%Y-%m}-{short}.csv"
    return SettlementFile(name=name, content=out.getvalue().encode())


def settlement_build(*, actor: Actor, period: date) -> Settlement:
    """The month's batch: every approved gruppe-1 fee performed in the month (and rejected
    ones corrected and approved again since), sent through the adapter. Refused when there is
    nothing to settle."""
    require(actor, Perm.FEE_APPROVE)
    organisation = actor.organisation
    if organisation is None:
        raise billing_error(BillingCode.UNIT_NOT_YOURS, "period")
    first, after = _month(period)
    with transaction.atomic(durable=True):
        due = Fee.objects.select_for_update().filter(
            organisation_id=organisation.pk,
            status=FeeStatus.APPROVED,
            payer=FeePayer.REGION,
            performed_on__lt=after,
        )
        ids = list(due.values_list("id", flat=True))
        if not ids:
            raise billing_error(BillingCode.NOTHING_TO_SETTLE, "period")
        settlement = Settlement.objects.create(
            organisation_id=organisation.pk, period=first, created_by=actor.user, total=Decimal(0)
        )
        Fee.objects.filter(id__in=ids).update(settlement=settlement, status=FeeStatus.SETTLED)
        sums = Fee.objects.filter(settlement=settlement).aggregate(n=Count("id"), s=Sum("amount"))
        settlement.fee_count, settlement.total = sums["n"], sums["s"] or Decimal(0)
        file = settlement_file(settlement)
        settlement.file_name = file.name
        settlement.reference = settlement_backend().send(organisation, file)[:100]
        settlement.save(update_fields=["fee_count", "total", "file_name", "reference"])
        access_log_record(
            actor=actor,
            action=Action.EXPORT,
            purpose=Purpose.ADMINISTRATION,
            channel=Channel.UI,
            object_type="settlement",
            object_id=settlement.public_id,
            reason=f"{settlement.fee_count} rows",
            organisation_id=organisation.pk,
        )
    return settlement


def settlement_access(*, actor: Actor, public_id: object) -> Settlement:
    from django.http import Http404

    require(actor, Perm.FEE_APPROVE)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404 from exc
    found = Settlement.objects.filter(
        organisation_id__in=actor.organisation_ids, public_id=key
    ).first()
    if found is None:
        raise Http404
    return found
