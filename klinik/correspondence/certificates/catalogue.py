"""The certificate catalogue as shipped data (data/certificate_types.json): read by the data
migration and by `klinik certificates load` (new prices when a table is published). No model
imports, so the migration can use it with its historical models."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

CATALOGUE = Path(__file__).parent / "data" / "certificate_types.json"


@dataclass(frozen=True)
class CatalogueType:
    code: str
    family: str
    name: str
    reply_days: int | None
    vat_rate: int
    prices: tuple[tuple[date, Decimal], ...]


def catalogue_read(path: Path = CATALOGUE) -> list[CatalogueType]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return [
        CatalogueType(
            code=row["code"],
            family=row["family"],
            name=row["name"],
            reply_days=row["reply_days"],
            vat_rate=int(row["vat_rate"]),
            prices=tuple(
                (date.fromisoformat(p["valid_from"]), Decimal(p["amount"])) for p in row["prices"]
            ),
        )
        for row in document["types"]
    ]


def catalogue_load(type_model: Any, price_model: Any, path: Path = CATALOGUE) -> int:
    """Write the national rows (organisation empty): types by code, prices by day; existing
    rows are updated, none removed. Returns the number of types."""
    rows = catalogue_read(path)
    for row in rows:
        kind, _created = type_model.objects.update_or_create(
            organisation=None,
            code=row.code,
            defaults={
                "family": row.family,
                "name": row.name,
                "reply_days": row.reply_days,
                "vat_rate": row.vat_rate,
                "source": "Attestnøglen (docs/domain §7.5)",
            },
        )
        for valid_from, amount in row.prices:
            price_model.objects.update_or_create(
                organisation=None,
                certificate_type=kind,
                valid_from=valid_from,
                defaults={"amount": amount},
            )
    return len(rows)
