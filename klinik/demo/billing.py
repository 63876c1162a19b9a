"""Demo invoicing for the therapy clinics: a price list per clinic (a price for each
appointment type, a no-show fee, a VAT-liable certificate), the bank account on the invoices,
and invoices for most of the last fortnight's treatments, some paid, some paid partly, one
credited, a third reported to "danmark"; an older certificate invoice is overdue and has had
a reminder. Everything goes through billing's services, so numbers, VAT and the access log
are as the screens make them. Idempotent: a clinic with invoices is left as it is."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from klinik.billing.choices import FeeStatus, PaymentMethod
from klinik.billing.collection import danmark_report, reminder_send
from klinik.billing.credit import invoice_credit
from klinik.billing.errors import BillingError
from klinik.billing.fees.rates import fee_rates_import
from klinik.billing.fees.services import fee_reject, fees_approve, fees_suggest
from klinik.billing.fees.settlement import settlement_build
from klinik.billing.models import Fee, Invoice, InvoiceSeries, PriceItem
from klinik.billing.services import (
    LineInput,
    invoice_create,
    invoice_from_appointment,
    payment_register,
    price_item_create,
)
from klinik.core.choices import Role
from klinik.core.models import Membership, Unit
from klinik.core.policy import Actor
from klinik.core.services import actor_from_membership
from klinik.patients.models import Patient
from klinik.scheduling.choices import AppointmentStatus
from klinik.scheduling.models import Appointment, AppointmentType

PRICES = {
    "Førstegangsundersøgelse": "595.00",
    "Behandling": "450.00",
    "Holdtræning": "150.00",
    "Konsultation": "420.00",
    "Første konsultation": "620.00",
    "Akupunktur": "495.00",
}
INVOICES_PER_UNIT = 12


def demo_billing(*, units: list[Unit], rng: random.Random) -> None:
    for unit in units:
        if Invoice.objects.filter(organisation_id=unit.organisation_id).exists():
            continue
        membership = (
            Membership.objects.filter(unit=unit, is_active=True, role=Role.THERAPIST)
            .select_related("user", "organisation", "unit")
            .order_by("id")
            .first()
        )
        if membership is None:
            continue
        actor = actor_from_membership(membership)
        series, _ = InvoiceSeries.objects.get_or_create(organisation_id=unit.organisation_id)
        series.bank_registration, series.bank_account = "1234", f"{unit.pk:010d}"
        series.save(update_fields=["bank_registration", "bank_account"])
        if not PriceItem.objects.filter(organisation_id=unit.organisation_id).exists():
            for kind in AppointmentType.objects.filter(unit=unit, is_active=True):
                price = PRICES.get(kind.name, "450.00")
                price_item_create(
                    actor=actor,
                    name=kind.name,
                    unit_price=price,
                    vat_rate=0,
                    appointment_type_id=kind.pk,
                )
            price_item_create(
                actor=actor,
                name="Udeblivelsesgebyr",
                unit_price="250.00",
                vat_rate=0,
                is_no_show_fee=True,
            )
            price_item_create(
                actor=actor, name="Attest til forsikringsselskab", unit_price="400.00", vat_rate=25
            )
        _invoices(unit, actor, rng)


def _invoices(unit: Unit, actor: Actor, rng: random.Random) -> None:
    today = timezone.localdate()
    patient = Patient.objects.filter(unit=unit).order_by("id").first()
    if patient is not None:
        overdue = invoice_create(
            actor=actor,
            patient=patient,
            lines=[
                LineInput(
                    text="Attest til forsikringsselskab",
                    quantity="1",
                    unit_price="400.00",
                    vat_rate=25,
                )
            ],
            issued_on=today - timedelta(days=40),
        )
        reminder_send(actor=actor, invoice=overdue)
    held = (
        Appointment.objects.filter(
            unit=unit,
            status=AppointmentStatus.FINISHED,
            start__date__gte=today - timedelta(days=14),
            start__date__lt=today,
            appointment_type__is_group=False,
        )
        .select_related("patient", "unit")
        .order_by("start")
    )
    for index, appointment in enumerate(held[:INVOICES_PER_UNIT]):
        try:
            invoice = invoice_from_appointment(actor=actor, appointment=appointment)
        except BillingError:
            continue
        roll = rng.random()
        method = rng.choice(list(PaymentMethod))
        if roll < 0.5:
            payment_register(actor=actor, invoice=invoice, amount=invoice.total, method=method)
        elif roll < 0.7:
            part = (invoice.total / 2).quantize(Decimal("0.01"))
            payment_register(actor=actor, invoice=invoice, amount=part, method=method)
        if index == 3:
            invoice_credit(actor=actor, invoice=invoice, note="Fejl i aftaletype")
        elif index % 3 == 0:
            danmark_report(actor=actor, invoice=invoice)


FEE_TABLE = Path(__file__).parent / "data" / "fee_rates_example.csv"
FEE_DAYS = 5


def demo_fees(*, unit: Unit) -> None:
    """The GP's fees: the example fee table (amounts marked as examples, not official), a
    week of fees suggested from the contacts — all but the last two days approved and sent in
    the month's batch, two of them rejected by the region and back in the work queue."""
    with FEE_TABLE.open(encoding="utf-8") as source:
        fee_rates_import(source=source)
    if Fee.objects.filter(organisation_id=unit.organisation_id).exists():
        return
    membership = (
        Membership.objects.filter(unit=unit, is_active=True, role=Role.SECRETARY)
        .select_related("user", "organisation", "unit")
        .order_by("id")
        .first()
    )
    if membership is None:
        return
    actor = actor_from_membership(membership)
    today = timezone.localdate()
    days = [
        today - timedelta(days=n) for n in range(1, 10) if (today - timedelta(days=n)).weekday() < 5
    ]
    days = sorted(days[:FEE_DAYS])
    for day in days:
        fees_suggest(actor=actor, unit=unit, day=day)
    for day in days[:-2]:
        waiting = Fee.objects.filter(unit=unit, performed_on=day).values_list(
            "public_id", flat=True
        )
        fees_approve(actor=actor, unit=unit, public_ids=[str(p) for p in waiting])
    if not Fee.objects.filter(unit=unit, status=FeeStatus.APPROVED).exists():
        return
    settlement = settlement_build(actor=actor, period=today)
    for fee in Fee.objects.filter(settlement=settlement).order_by("id")[:2]:
        fee_reject(actor=actor, fee=fee, reason="Ugyldig ydelseskombination (eksempel)")
