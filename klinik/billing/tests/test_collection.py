"""Reminders (renteloven § 9 b), the "danmark" report, the debtor list with ageing, the
cash-up and the open items as CSV. The clock is set: due dates and spacing are dates."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal as D

import pytest

from klinik.billing.choices import PaymentMethod
from klinik.billing.collection import danmark_report, reminder_send
from klinik.billing.credit import invoice_credit
from klinik.billing.errors import BillingCode, BillingError
from klinik.billing.models import DanmarkClaim, Reminder
from klinik.billing.selectors import cash_up, debtors_ageing
from klinik.billing.services import (
    LineInput,
    invoice_create,
    open_amount,
    payment_register,
)
from klinik.core.choices import Role
from klinik.scheduling.availability import LOCAL

# Monday 2 March 2026, 10:00: invoices issued today fall due on 16 March.
DAY = date(2026, 3, 2)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=LOCAL)


@pytest.fixture
def invoice(world, actor, clock):
    clock.set(_at(DAY))
    return invoice_create(
        actor=actor,
        patient=world.patient_a,
        lines=[
            LineInput(text="Fysioterapi", quantity="1", unit_price="450.00", vat_rate=0),
            LineInput(text="Attest", quantity="1", unit_price="100.00", vat_rate=25),
        ],
    )


def _refused(code, call, **kwargs):
    with pytest.raises(BillingError) as refused:
        call(**kwargs)
    assert refused.value.code == code, refused.value.message
    return refused.value


def test_reminders_after_the_due_date_ten_days_apart_at_most_three(invoice, actor, clock):
    assert invoice.due_on == date(2026, 3, 16)
    clock.set(_at(date(2026, 3, 16)))
    _refused(BillingCode.NOT_OVERDUE, reminder_send, actor=actor, invoice=invoice)
    clock.set(_at(date(2026, 3, 17)))
    first = reminder_send(actor=actor, invoice=invoice)
    assert (first.sequence, first.fee, first.due_on) == (1, D("100.00"), date(2026, 3, 27))
    assert open_amount(invoice) == D("675.00")  # 575 + 100
    clock.set(_at(date(2026, 3, 26)))
    error = _refused(BillingCode.REMINDER_TOO_SOON, reminder_send, actor=actor, invoice=invoice)
    assert "27.03.2026" in error.message
    clock.set(_at(date(2026, 3, 27)))
    reminder_send(actor=actor, invoice=invoice, fee="65")
    clock.set(_at(date(2026, 4, 6)))
    reminder_send(actor=actor, invoice=invoice, fee="0")
    clock.set(_at(date(2026, 5, 6)))
    _refused(BillingCode.REMINDERS_USED, reminder_send, actor=actor, invoice=invoice)
    assert list(Reminder.objects.values_list("sequence", "fee")) == [
        (1, D("100.00")),
        (2, D("65.00")),
        (3, D("0.00")),
    ]
    assert open_amount(invoice) == D("740.00")


def test_a_reminder_fee_above_100_kr_and_a_paid_invoice_are_refused(invoice, actor, clock):
    clock.set(_at(date(2026, 4, 1)))
    error = _refused(
        BillingCode.FEE_TOO_HIGH, reminder_send, actor=actor, invoice=invoice, fee="100.01"
    )
    assert error.field == "fee"
    payment_register(actor=actor, invoice=invoice, amount="575", method=PaymentMethod.CARD)
    _refused(BillingCode.NOTHING_OPEN, reminder_send, actor=actor, invoice=invoice)
    assert not Reminder.objects.exists()


def test_danmark_report_shows_the_subsidy_once(invoice, actor):
    claim = danmark_report(actor=actor, invoice=invoice)
    assert claim.subsidy == D("135.00")  # the local backend: 30 % of the 450 kr. treatment
    assert claim.reference.startswith("local-")
    error = _refused(BillingCode.ALREADY_REPORTED, danmark_report, actor=actor, invoice=invoice)
    assert error.http_status == 409
    # The patient still owes the clinic the whole invoice: the subsidy goes to the member.
    assert open_amount(invoice) == D("575.00")


def test_danmark_refuses_credit_notes_credited_invoices_and_claims_over_three_years(
    invoice, actor, clock
):
    credit = invoice_credit(actor=actor, invoice=invoice)
    _refused(BillingCode.CREDIT_OF_CREDIT, danmark_report, actor=actor, invoice=credit)
    _refused(BillingCode.ALREADY_CREDITED, danmark_report, actor=actor, invoice=invoice)
    fresh = invoice_create(
        actor=actor,
        patient=invoice.patient,
        lines=[LineInput(text="Behandling", quantity="1", unit_price="450", vat_rate=0)],
    )
    clock.set(_at(date(2029, 3, 2)))
    _refused(BillingCode.CLAIM_LAPSED, danmark_report, actor=actor, invoice=fresh)
    clock.set(_at(date(2029, 3, 1)))
    assert danmark_report(actor=actor, invoice=fresh).subsidy == D("135.00")
    assert DanmarkClaim.objects.count() == 1


def test_debtors_by_age_and_the_list_is_logged_once(world, actor, clock):
    def issue(day, price):
        clock.set(_at(day))
        return invoice_create(
            actor=actor,
            patient=world.patient_a,
            lines=[LineInput(text="Behandling", quantity="1", unit_price=price, vat_rate=0)],
        )

    issue(date(2026, 1, 2), "100")  # due 16.01: 45 days overdue on 2 March
    issue(date(2026, 2, 20), "200")  # due 06.03: not due
    paid = issue(date(2026, 2, 20), "300")
    payment_register(actor=actor, invoice=paid, amount="300", method=PaymentMethod.CASH)
    clock.set(_at(DAY))
    from klinik.audit.models import AccessLogEntry

    rows, sums = debtors_ageing(actor=actor, today=DAY)
    assert [(r.name, r.invoices, r.total) for r in rows] == [(world.patient_a.name, 2, D("300.00"))]
    assert rows[0].buckets["31_60"] == D("100.00") and rows[0].buckets["not_due"] == D("200.00")
    assert sums["31_60"] == D("100.00")
    assert AccessLogEntry.objects.filter(object_type="debtor_list").count() == 1


def test_cash_up_sums_the_days_payments_per_method(invoice, actor, actor_for, world):
    payment_register(actor=actor, invoice=invoice, amount="100", method=PaymentMethod.CASH)
    payment_register(actor=actor, invoice=invoice, amount="50.50", method=PaymentMethod.CASH)
    payment_register(actor=actor, invoice=invoice, amount="200", method=PaymentMethod.MOBILEPAY)
    other = actor_for(world.member(Role.SECRETARY, unit=world.unit_b))
    result = cash_up(actor=actor, day=DAY)
    sums = {method: (amount, count) for method, _label, amount, count in result.by_method}
    assert sums["cash"] == (D("150.50"), 2) and sums["mobilepay"] == (D("200.00"), 1)
    assert result.total == D("350.50")
    assert cash_up(actor=other, day=DAY).payments == []


def test_screens_reminder_danmark_debtors_cash_up_and_csv(invoice, secretary, login_as, clock):
    client = login_as(secretary)
    assert client.post(f"/invoices/{invoice.public_id}/danmark/").status_code == 302
    page = client.get(f"/invoices/{invoice.public_id}/").content.decode()
    assert "135,00" in page and "440,00" in page  # the subsidy, the cost after it
    clock.set(_at(date(2026, 3, 17)))
    client = login_as(secretary)
    assert (
        client.post(f"/invoices/{invoice.public_id}/reminders/", {"fee": "100,00"}).status_code
        == 302
    )
    assert Reminder.objects.count() == 1
    letter = client.get(f"/invoices/{invoice.public_id}/reminders/1/pdf/")
    assert letter["Content-Type"] == "application/pdf"
    assert client.get(f"/invoices/{invoice.public_id}/reminders/2/pdf/").status_code == 404
    debtors = client.get("/invoices/debtors/")
    assert debtors.status_code == 200 and debtors.context["rows"][0].total == D("675.00")
    csv = client.get("/invoices/open.csv").content.decode("utf-8-sig")
    assert csv.splitlines()[1].startswith(f"{invoice.number};") and "675,00" in csv
    assert client.get("/invoices/cash-up/?day=17.03.2026").status_code == 200


def test_api_reminder_and_danmark(invoice, api, clock):
    reported = api.post(f"/invoices/{invoice.public_id}/danmark")
    assert reported.status_code == 201
    assert reported.json()["danmark"]["patient_pays_after_subsidy"] == "440.00"
    early = api.post(f"/invoices/{invoice.public_id}/reminders", {"fee": "100"})
    assert early.status_code == 422 and early.json()["code"] == "not_overdue"
    clock.set(_at(date(2026, 3, 20)))
    sent = api.post(f"/invoices/{invoice.public_id}/reminders", {"fee": "100.00"})
    assert sent.status_code == 201, sent.content
    body = sent.json()
    assert body["reminder_fees"] == "100.00" and body["open_amount"] == "675.00"
    too_high = api.post(f"/invoices/{invoice.public_id}/reminders", {"fee": "150"})
    assert too_high.status_code == 422 and too_high.json()["detail"].startswith("fee:")


def test_the_bookkeeping_journal_balances(invoice, actor, secretary, login_as, clock):
    from klinik.billing.bookkeeping import journal_postings

    payment_register(actor=actor, invoice=invoice, amount="200", method=PaymentMethod.MOBILEPAY)
    invoice_credit(actor=actor, invoice=invoice)
    postings = list(journal_postings(organisation_ids=actor.organisation_ids, start=DAY, end=DAY))
    assert sum(p.debit for p in postings) == sum(p.credit for p in postings)
    by_account = {}
    for p in postings:
        by_account[p.account] = by_account.get(p.account, D(0)) + p.debit - p.credit
    # Invoice and credit note cancel; the payment is in MobilePay, owed back on receivables.
    assert by_account["revenue_exempt"] == 0 and by_account["output_vat"] == 0
    assert by_account["mobilepay"] == D("200.00") and by_account["receivables"] == D("-200.00")
    client = login_as(secretary)
    response = client.get("/invoices/journal.csv?from=02.03.2026&to=02.03.2026")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "Dato;Bilag;Tekst;Konto;Kontonavn;Debet;Kredit;Momskode"
    assert "02-03-2026;F1;" in text and ";7250;Salgsmoms;0,00;25,00;S25" in text


def test_the_economy_report_and_its_workbook(invoice, actor, secretary, login_as):
    from klinik.billing.reports import revenue_report

    payment_register(actor=actor, invoice=invoice, amount="100", method=PaymentMethod.CASH)
    report = revenue_report(actor=actor, year=2026)
    march = report.months[2]
    assert (march.revenue, march.vat, march.paid, march.share) == (
        D("550.00"),
        D("25.00"),
        D("100.00"),
        100,
    )
    assert report.total_revenue == D("550.00")
    client = login_as(secretary)
    page = client.get("/invoices/report/?year=2026")
    assert page.status_code == 200 and "550,00" in page.content.decode()
    book = client.get("/invoices/report/?year=2026&format=xlsx")
    assert book.content.startswith(b"PK")
