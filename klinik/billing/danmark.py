"""The adapter to Sygeforsikringen "danmark": a member's invoice reported electronically for
the subsidy. The provider's interface is not public (a closed agreement), so the backend is
a class named by `KLINIK_DANMARK_BACKEND`; the local default sends nothing and answers with a
stand-in subsidy (a share of the VAT-exempt treatment lines), so that the screens, the PDF and
the tests have something to show. A real backend answers the same `DanmarkAnswer`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from klinik.billing.money import money


@dataclass(frozen=True)
class DanmarkLine:
    text: str
    amount: Decimal  # excluding VAT
    vat_rate: int


@dataclass(frozen=True)
class DanmarkReport:
    """What is reported: the clinic, the invoice and the member (the CPR number goes to the
    backend only, never into logs)."""

    provider_cvr: str
    invoice_number: int
    supplied_on: date
    total: Decimal
    member_cpr: str
    lines: tuple[DanmarkLine, ...]


@dataclass(frozen=True)
class DanmarkAnswer:
    reference: str
    subsidy: Decimal


class DanmarkBackend(Protocol):
    def report(self, claim: DanmarkReport) -> DanmarkAnswer: ...


LOCAL_SHARE = Decimal("0.30")


class LocalDanmarkBackend:
    """Sends nothing. The subsidy it answers is 30 % of the treatment lines (0 % VAT), a
    stand-in until the provider's table is connected."""

    def report(self, claim: DanmarkReport) -> DanmarkAnswer:
        treatment = sum((line.amount for line in claim.lines if line.vat_rate == 0), Decimal(0))
        return DanmarkAnswer(
            reference=f"local-{uuid.uuid4().hex[:12]}", subsidy=money(treatment * LOCAL_SHARE)
        )


def danmark_backend() -> DanmarkBackend:
    backend: DanmarkBackend = import_string(settings.KLINIK_DANMARK_BACKEND)()
    return backend
