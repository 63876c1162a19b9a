"""Fees (ydelser): the table imported per period, fees suggested from a day's contacts by how
the patient attended, corrected and approved, the day in the work queue until approved, the
month's settlement batch and its file, a rejection back in the queue."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal as D

import pytest

from klinik.audit.models import AccessLogEntry
from klinik.billing.errors import BillingCode, BillingError
from klinik.billing.fees.rates import fee_rate_for, fee_rates_import
from klinik.billing.fees.services import fee_add, fee_change, fee_reject, fees_approve, fees_suggest
from klinik.billing.fees.settlement import settlement_build, settlement_file
from klinik.billing.fees.work import FEE_KIND
from klinik.billing.models import Fee, FeeRate
from klinik.billing.tests.factories import appointment_held
from klinik.core.worklist import WorkQuery
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.models import AppointmentType

TABLE = """code;title;kind;group;amount;valid_from;valid_to;source
0101;Konsultation;basic;1;155,32;2025-10-01;;eksempel
0201;Telefonkonsultation;basic;1;31,25;2025-10-01;;eksempel
2101;Blodtagning fra blodåre;supplement;1;62,44;2025-10-01;;eksempel
0101;Konsultation;basic;2;201,92;2025-10-01;;eksempel
0101;Konsultation;basic;1;158,43;2026-04-01;;eksempel
"""
DAY = date(2026, 3, 31)  # the last day of the old table


@pytest.fixture
def rates(db):
    return fee_rates_import(source=io.StringIO(TABLE))


@pytest.fixture
def contacts(world, rates, clock):
    clock.set(datetime.combine(DAY + timedelta(days=1), time(9), tzinfo=LOCAL))
    unit = world.unit_a
    kinds = {
        attendance: AppointmentType.objects.create(
            organisation_id=unit.organisation_id,
            unit=unit,
            name=name,
            duration_minutes=15,
            attendance=attendance,
        )
        for attendance, name in (("in_person", "Konsultation"), ("phone", "Telefon"))
    }
    at = datetime.combine(DAY, time(9), tzinfo=LOCAL)
    world.patient_a2.insurance_group = 2
    world.patient_a2.save(update_fields=["insurance_group"])
    return [
        appointment_held(world.patient_a, kinds["in_person"], start=at),
        appointment_held(world.patient_a, kinds["phone"], start=at + timedelta(hours=2)),
        appointment_held(world.patient_a2, kinds["in_person"], start=at + timedelta(hours=3)),
    ]


def test_the_table_is_data_per_period(rates):
    assert rates.added == 5 and rates.closed == 1
    assert fee_rate_for(code="0101", group=1, on=DAY).amount == D("155.32")
    assert fee_rate_for(code="0101", group=1, on=DAY + timedelta(days=1)).amount == D("158.43")
    assert (
        FeeRate.objects.get(code="0101", insurance_group=1, valid_from=date(2025, 10, 1)).valid_to
        == DAY
    )
    with pytest.raises(BillingError):
        fee_rates_import(source=io.StringIO("code;title\n0101;x\n"))


def test_fees_are_suggested_by_attendance_and_group_decides_who_pays(world, actor, contacts):
    assert fees_suggest(actor=actor, unit=world.unit_a, day=DAY) == 3
    assert fees_suggest(actor=actor, unit=world.unit_a, day=DAY) == 0  # once per contact
    rows = {(f.patient_id, f.code): f for f in Fee.objects.all()}
    assert rows[(world.patient_a.pk, "0101")].amount == D("155.32")
    assert rows[(world.patient_a.pk, "0201")].amount == D("31.25")
    group_2 = rows[(world.patient_a2.pk, "0101")]
    assert (group_2.amount, group_2.payer) == (D("201.92"), "patient")


def test_correct_add_approve_and_the_work_queue(world, actor, contacts):
    fees_suggest(actor=actor, unit=world.unit_a, day=DAY)
    query = WorkQuery(unit_ids=frozenset({world.unit_a.pk}), limit=10)
    items = FEE_KIND.items(actor, query)
    assert len(items) == 1 and "31.03.2026" in items[0].title
    phone = Fee.objects.get(code="0201")
    fee_change(actor=actor, fee=phone, code="0101")
    assert Fee.objects.get(pk=phone.pk).amount == D("155.32")
    with pytest.raises(BillingError) as refused:
        fee_change(actor=actor, fee=phone, code="9999")
    assert refused.value.code == BillingCode.UNKNOWN_FEE
    fee_add(actor=actor, appointment=contacts[0], code="2101")
    ids = [str(p) for p in Fee.objects.values_list("public_id", flat=True)]
    assert fees_approve(actor=actor, unit=world.unit_a, public_ids=ids) == 4
    assert FEE_KIND.items(actor, query) == [] and FEE_KIND.count(actor, query) == 0
    with pytest.raises(BillingError) as refused:
        fee_change(actor=actor, fee=Fee.objects.get(pk=phone.pk), amount="1")
    assert refused.value.code == BillingCode.FEE_LOCKED


def test_settlement_batch_file_and_a_rejection_back_to_the_queue(world, actor, contacts):
    fees_suggest(actor=actor, unit=world.unit_a, day=DAY)
    ids = [str(p) for p in Fee.objects.values_list("public_id", flat=True)]
    fees_approve(actor=actor, unit=world.unit_a, public_ids=ids)
    settlement = settlement_build(actor=actor, period=DAY)
    # Group 2 is the patient's to pay: not in the region's batch.
    assert settlement.fee_count == 2 and settlement.total == D("186.57")
    lines = settlement_file(settlement).content.decode().splitlines()
    assert lines[0].startswith("KLINIK-AFREGNING;1;") and lines[0].endswith(";2026-03;2;186.57")
    assert lines[1].split(";")[1] == world.patient_a.cpr and lines[1].split(";")[3] == "0101"
    assert settlement.reference.startswith("local:")
    with pytest.raises(BillingError) as refused:
        settlement_build(actor=actor, period=DAY)
    assert refused.value.code == BillingCode.NOTHING_TO_SETTLE
    rejected = Fee.objects.get(settlement=settlement, code="0201")
    fee_reject(actor=actor, fee=rejected, reason="Ikke ydet")
    query = WorkQuery(unit_ids=frozenset({world.unit_a.pk}), limit=10)
    assert FEE_KIND.count(actor, query) == 1
    fee_change(actor=actor, fee=Fee.objects.get(pk=rejected.pk), code="0101")
    fees_approve(actor=actor, unit=world.unit_a, public_ids=[str(rejected.public_id)])
    again = settlement_build(actor=actor, period=DAY)
    assert again.fee_count == 1
    assert AccessLogEntry.objects.filter(object_type="settlement").count() == 2


def test_screens_and_api(world, secretary, login_as, contacts, api, api_b):
    client = login_as(secretary)
    unit = world.unit_a.public_id
    response = client.post("/fees/suggest/", {"unit": str(unit), "day": "31.03.2026"})
    assert response.status_code == 302
    page = client.get(f"/fees/?unit={unit}&day=31.03.2026")
    assert page.status_code == 200 and len(page.context["fees"]) == 3
    ids = [str(f.public_id) for f in page.context["fees"]]
    client.post("/fees/approve/", {"unit": str(unit), "day": "31.03.2026", "fee": ids})
    assert set(Fee.objects.values_list("status", flat=True)) == {"approved"}
    built = client.post("/fees/settlements/", {"period": "03.2026"})
    assert built.status_code == 302
    detail = client.get(built["Location"])
    assert detail.status_code == 200 and len(detail.context["fees"]) == 2
    file = client.get(built["Location"] + "file/")
    assert file.content.startswith(b"KLINIK-AFREGNING;1;")
    listed = api.get("/fees", date="2026-03-31", unit=str(unit))
    assert listed.status_code == 200 and {r["code"] for r in listed.json()} == {"0101", "0201"}
    assert listed.json()[0]["amount"] in {"155.32", "31.25", "201.92"}
    assert api_b.get("/fees", date="2026-03-31").json() == []
    assert api_b.get("/fees", date="2026-03-31", unit=str(unit)).status_code == 404


def test_the_import_command(db, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "honorartabel.csv"
    path.write_text(TABLE, encoding="utf-8")
    out = StringIO()
    call_command("fees", "import", str(path), stdout=out)
    assert "5 rates imported" in out.getvalue()
    assert FeeRate.objects.count() == 5


def test_approval_invoices_a_gruppe_2_patient_before_it_logs(world, actor, contacts):
    """The approval's own log entry comes after the invoices: the series' lock is always taken
    before the access log's, so an approval and an invoice issued at once cannot deadlock."""
    fees_suggest(actor=actor, unit=world.unit_a, day=DAY)
    ids = [str(p) for p in Fee.objects.values_list("public_id", flat=True)]
    fees_approve(actor=actor, unit=world.unit_a, public_ids=ids)
    entries = list(
        AccessLogEntry.objects.filter(object_type__in=["invoice", "fees_approved"])
        .order_by("seq")
        .values_list("object_type", flat=True)
    )
    assert entries == ["invoice", "fees_approved"]
    assert Fee.objects.filter(patient=world.patient_a2).get().invoice.number == 1
