"""The economy report: revenue per practitioner (fees and invoices from appointments by the
appointment's practitioner), open items by age, fees per code, each a bar with its number;
the same in the workbook."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal as D
from io import BytesIO

from openpyxl import load_workbook

from klinik.billing.reports import NOT_LINKED, revenue_report
from klinik.billing.services import LineInput, invoice_create, invoice_from_appointment
from klinik.billing.tests.factories import appointment_held, treatment_type
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.models import AppointmentResource, Resource

TODAY = date(2026, 6, 20)


def test_per_practitioner_and_open_items(world, actor, secretary, login_as, clock):
    clock.set(datetime.combine(TODAY, time(12), tzinfo=LOCAL))
    kind = treatment_type(world.unit_a)
    start = datetime.combine(TODAY - timedelta(days=1), time(9), tzinfo=LOCAL)
    appointment = appointment_held(world.patient_a, kind, start=start)
    therapist = Resource.objects.create(
        organisation_id=world.org_a.pk, unit=world.unit_a, kind="practitioner", name="Fys. Ida"
    )
    AppointmentResource.objects.create(
        organisation_id=world.org_a.pk,
        appointment=appointment,
        resource=therapist,
        start=start,
        block_end=start + timedelta(minutes=30),
        session_key=uuid.uuid4(),
    )
    invoice_from_appointment(actor=actor, appointment=appointment)
    invoice_create(
        actor=actor,
        patient=world.patient_a,
        lines=[LineInput("Træningselastik", "2", "50.00", 25)],
        issued_on=TODAY,
        due_on=TODAY,
    )
    clock.set(datetime.combine(TODAY + timedelta(days=40), time(12), tzinfo=LOCAL))
    report = revenue_report(actor=actor, year=2026)
    people = {bar.label: (bar.amount, bar.count, bar.share) for bar in report.practitioners}
    assert people == {"Fys. Ida": (D("450.00"), 1, 100), NOT_LINKED: (D("100.00"), 1, 22)}
    open_items = {bar.label: bar.amount for bar in report.open_items}
    assert open_items["31-60 dage"] == D("125.00")
    assert open_items["1-30 dage over forfald"] == D("450.00")
    assert report.open_total == D("575.00")
    client = login_as(secretary)
    page = client.get("/invoices/report/?year=2026")
    assert page.status_code == 200 and b"Fys. Ida" in page.content
    book = load_workbook(BytesIO(client.get("/invoices/report/?year=2026&format=xlsx").content))
    assert [c.value for c in book["Pr. behandler"][2]] == ["Fys. Ida", 1, 450]
    assert book["Åbne poster"]["C7"].value == 575
