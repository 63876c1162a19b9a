"""Fees from contacts: a closed contact suggests its fee through records' CONTACT_CLOSED hook (a
written contact is an e-konsultation, 0105), the day's suggestion covers contacts without an
appointment, a therapy clinic gets none, and a gruppe-2 patient's approved fees become an
invoice to the patient instead of a line in the region's batch."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal as D

import pytest

from klinik.billing.choices import InvoiceSourceKind
from klinik.billing.errors import BillingCode, BillingError
from klinik.billing.fees.rates import fee_rates_import
from klinik.billing.fees.services import fees_approve, fees_suggest
from klinik.billing.fees.settlement import settlement_build
from klinik.billing.models import Fee, Invoice
from klinik.core.choices import Role
from klinik.records.journal.services import contact_close, contact_open
from klinik.scheduling.availability import LOCAL

TABLE = """code;title;kind;group;amount;valid_from;valid_to;source
0101;Konsultation;basic;1;158,43;2026-04-01;;eksempel
0105;E-konsultation;basic;1;52,11;2026-04-01;;eksempel
0201;Telefonkonsultation;basic;1;31,87;2026-04-01;;eksempel
0105;E-konsultation;basic;2;67,74;2026-04-01;;eksempel
0201;Telefonkonsultation;basic;2;41,43;2026-04-01;;eksempel
"""
DAY = date(2026, 5, 12)


@pytest.fixture
def doctor(world, actor_for, clock):
    clock.set(datetime.combine(DAY, time(10), tzinfo=LOCAL))
    fee_rates_import(source=io.StringIO(TABLE))
    return actor_for(world.member(Role.DOCTOR))


def _written(doctor, patient, kind="written"):
    contact = contact_open(actor=doctor, patient=patient, kind=kind, reason="Spørgsmål")
    return contact_close(actor=doctor, contact=contact)


def test_a_closed_written_contact_suggests_an_e_konsultation(world, doctor):
    contact = _written(doctor, world.patient_a)
    fee = Fee.objects.get(contact=contact)
    assert (fee.code, fee.amount, fee.status, fee.payer) == (
        "0105",
        D("52.11"),
        "suggested",
        "region",
    )
    assert fee.performed_on == DAY and fee.appointment is None
    phone = _written(doctor, world.patient_a, kind="phone")
    assert Fee.objects.get(contact=phone).code == "0201"


def test_the_days_suggestion_takes_unbooked_contacts_once(world, doctor, actor_for):
    contact = _written(doctor, world.patient_a)
    Fee.objects.filter(contact=contact).delete()  # e.g. suggested before the table was there
    secretary = actor_for(world.member(Role.SECRETARY))
    assert fees_suggest(actor=secretary, unit=world.unit_a, day=DAY) == 1
    assert fees_suggest(actor=secretary, unit=world.unit_a, day=DAY) == 0
    assert Fee.objects.get(contact=contact).code == "0105"


def test_a_therapy_clinic_gets_no_fees_from_its_contacts(world, doctor, actor_for):
    therapist = actor_for(world.member(Role.DOCTOR, unit=world.unit_c))
    _written(therapist, world.patient_c)
    assert not Fee.objects.exists()


def test_group_2_fees_are_invoiced_to_the_patient_not_settled(world, doctor, actor_for, login_as):
    world.patient_a.insurance_group = 2
    world.patient_a.save(update_fields=["insurance_group"])
    first = _written(doctor, world.patient_a)
    second = _written(doctor, world.patient_a, kind="phone")
    secretary = actor_for(world.member(Role.SECRETARY))
    ids = [str(f.public_id) for f in Fee.objects.all()]
    assert fees_approve(actor=secretary, unit=world.unit_a, public_ids=ids) == 2
    invoice = Invoice.objects.get()
    assert invoice.patient == world.patient_a and invoice.source_kind == InvoiceSourceKind.FEES
    assert (invoice.total, invoice.vat) == (D("109.17"), D("0.00"))
    assert [line.text[:4] for line in invoice.lines.all()] == ["0105", "0201"]
    assert set(Fee.objects.values_list("invoice_id", flat=True)) == {invoice.pk}
    assert {Fee.objects.get(contact=first).payer, Fee.objects.get(contact=second).payer} == {
        "patient"
    }
    client = login_as(world.member(Role.SECRETARY))
    page = client.get(f"/fees/?unit={world.unit_a.public_id}&day={DAY:%d.%m.%Y}")
    assert f"Faktura {invoice.number}" in page.content.decode()
    # Approving again invoices nothing twice; the region's batch has nothing of theirs.
    fees_approve(actor=secretary, unit=world.unit_a, public_ids=ids)
    assert Invoice.objects.count() == 1
    with pytest.raises(BillingError) as refused:
        settlement_build(actor=secretary, period=DAY + timedelta(days=31))
    assert refused.value.code == BillingCode.NOTHING_TO_SETTLE
