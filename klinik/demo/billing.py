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

from django.utils import timezone

from klinik.billing.choices import PaymentMethod
from klinik.billing.collection import danmark_report, reminder_send
from klinik.billing.errors import BillingError
from klinik.billing.models import Invoice, InvoiceSeries, PriceItem
from klinik.billing.services import (
    LineInput,
    invoice_create,
    invoice_credit,
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
