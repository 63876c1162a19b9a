"""The fee tables (honorartabeller): imported per period from a semicolon file, read for a
code, a group and a day. The tables change 1 April and 1 October; an import adds a period and
closes the previous one the day before. Format (UTF-8, header line):

    code;title;kind;group;amount;valid_from;valid_to;source
    0101;Konsultation;basic;1;155,32;2026-04-01;;Honorartabel dagtid, PLO/RLTN

`kind` is basic or supplement, `group` 1 or 2, `amount` in kroner (comma or point), dates ISO,
`valid_to` empty for open-ended.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO

from django.db import transaction

from klinik.billing.choices import FeeKind
from klinik.billing.errors import BillingCode, billing_error
from klinik.billing.models import FeeRate
from klinik.billing.money import decimal_parse, places

COLUMNS = ["code", "title", "kind", "group", "amount", "valid_from", "valid_to", "source"]


@dataclass(frozen=True)
class ImportResult:
    added: int
    closed: int


def fee_rates_import(*, source: IO[str]) -> ImportResult:
    """Add the file's rates (all or nothing). A rate for a code and group already present from
    the same day is replaced; the open period before a new one is closed the day before."""
    reader = csv.DictReader(source, delimiter=";")
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != COLUMNS:
        raise billing_error(BillingCode.BAD_VALUE, "file", value=";".join(reader.fieldnames or []))
    rows = []
    for number, row in enumerate(reader, start=2):
        field = f"line {number}"
        amount = decimal_parse(row["amount"])
        if amount is None or amount < 0 or places(amount) > 2:
            raise billing_error(BillingCode.BAD_NUMBER, field)
        if row["kind"] not in FeeKind.values or row["group"] not in ("1", "2"):
            raise billing_error(BillingCode.BAD_VALUE, field, value=f"{row['kind']} {row['group']}")
        try:
            valid_from = date.fromisoformat(row["valid_from"])
            valid_to = date.fromisoformat(row["valid_to"]) if row["valid_to"].strip() else None
        except ValueError as exc:
            raise billing_error(BillingCode.BAD_VALUE, field, value=row["valid_from"]) from exc
        code = row["code"].strip()
        if not code.isdigit() or len(code) > 6:
            raise billing_error(BillingCode.BAD_VALUE, field, value=code)
        rows.append(
            (
                code,
                row["title"].strip()[:200],
                row["kind"],
                int(row["group"]),
                amount,
                valid_from,
                valid_to,
                row["source"].strip()[:300],
            )
        )
    closed = 0
    with transaction.atomic(durable=True):
        for code, title, kind, group, amount, valid_from, valid_to, source_text in rows:
            closed += FeeRate.objects.filter(
                code=code, insurance_group=group, valid_from__lt=valid_from, valid_to__isnull=True
            ).update(valid_to=valid_from - timedelta(days=1))
            FeeRate.objects.update_or_create(
                code=code,
                insurance_group=group,
                valid_from=valid_from,
                defaults={
                    "title": title,
                    "kind": kind,
                    "amount": amount,
                    "valid_to": valid_to,
                    "source": source_text,
                },
            )
    return ImportResult(added=len(rows), closed=closed)


def fee_rate_for(*, code: str, group: int, on: date) -> FeeRate | None:
    return (
        FeeRate.objects.filter(code=code, insurance_group=group, valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .order_by("-valid_from")
        .first()
    )


def fee_rates_on(*, on: date, group: int = 1) -> list[FeeRate]:
    """The table valid on a day (one group), by code: the choices of the approval screen."""
    return list(
        FeeRate.objects.filter(insurance_group=group, valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .order_by("code", "-valid_from")
    )
