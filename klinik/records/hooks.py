"""The record's extension points (core/hooks.py; ADR 0011).

- `VACCINATION_RECORDED`: called by `vaccination_record` inside its transaction, after the
  vaccination is written: purchasing draws one unit from the stock lot with that batch number
  (and refuses an expired or empty lot, which rolls the vaccination back). Records knows
  nothing of stock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from klinik.core.hooks import Hook

if TYPE_CHECKING:
    from klinik.core.policy import Actor
    from klinik.records.models import Vaccination

# listener(vaccination, actor): may raise a DomainError (field "batch_number") to refuse it
VaccinationListener = Callable[["Vaccination", "Actor"], None]

VACCINATION_RECORDED: Hook[VaccinationListener] = Hook("vaccination_recorded")
