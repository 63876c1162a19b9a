"""An invoicing process for the billing benchmark: issues invoices through the real service
against the bench database, in a separate interpreter, and times each issue."""

from __future__ import annotations

import os
import time
from typing import Any


def setup(database_name: str, ready: Any) -> None:
    """Set Django up and connect, then wait at `ready` (a barrier) until every process and the
    benchmark are ready: the issues start together, and none is timed while a sibling is
    still importing Django on the same cores."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klinik.config.settings")
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = database_name
    django.setup()
    from django.db import connection

    import klinik.billing.services  # noqa: F401  (imported before the clock starts)

    connection.ensure_connection()
    ready.wait(timeout=300)


def issue(job: dict[str, Any]) -> tuple[str, float, int]:
    """Issue one invoice: ('ok' or the error, milliseconds, its number)."""
    from django.db import close_old_connections

    from klinik.billing.services import invoice_create
    from klinik.core.models import Membership
    from klinik.core.services import actor_from_membership
    from klinik.patients.models import Patient

    close_old_connections()
    membership = Membership.objects.select_related("user", "organisation", "unit").get(
        pk=job["membership"]
    )
    actor = actor_from_membership(membership)
    patient = Patient.objects.select_related("unit").get(pk=job["patient"])
    invoice_lines = lines()
    started = time.perf_counter()
    try:
        invoice = invoice_create(actor=actor, patient=patient, lines=invoice_lines)
    except Exception as exc:  # counted as an error by the benchmark
        return f"{type(exc).__name__}: {exc}", (time.perf_counter() - started) * 1000, 0
    return "ok", (time.perf_counter() - started) * 1000, invoice.number


def lines() -> list[Any]:
    """The invoice's two lines: a VAT-exempt treatment and a certificate at 25 %."""
    from klinik.billing.services import LineInput

    return [
        LineInput(text="Behandling", quantity="1", unit_price="450.00", vat_rate=0),
        LineInput(text="Attest", quantity="1", unit_price="125.50", vat_rate=25),
    ]
