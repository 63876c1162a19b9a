"""SAF-T Financial (Danish 1.0): the period's postings as balanced transactions per voucher,
the accounts with opening and closing balances, the customers without CPR numbers, the VAT per
line; through the debtors screen's export, logged."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal as D
from xml.etree.ElementTree import fromstring  # our own output, not untrusted input

from klinik.audit.models import AccessLogEntry
from klinik.billing.saft import NAMESPACE
from klinik.billing.services import LineInput, invoice_create, payment_register
from klinik.scheduling.availability import LOCAL

NS = {"s": NAMESPACE}


def _amounts(node, path):
    return sum((D(e.text) for e in node.findall(path, NS)), D("0.00"))


def test_saft_export_balances_and_names_no_cpr(world, actor, secretary, login_as, clock):
    clock.set(datetime.combine(date(2026, 4, 28), time(10), tzinfo=LOCAL))
    earlier = invoice_create(
        actor=actor, patient=world.patient_a, lines=[LineInput("Fysioterapi", "1", "450", 0)]
    )
    clock.set(datetime.combine(date(2026, 5, 6), time(10), tzinfo=LOCAL))
    invoice = invoice_create(
        actor=actor,
        patient=world.patient_a,
        lines=[LineInput("Fysioterapi", "1", "450", 0), LineInput("Attest", "1", "100", 25)],
    )
    payment_register(actor=actor, invoice=invoice, amount="300", method="card")
    payment_register(actor=actor, invoice=earlier, amount="450", method="cash")
    client = login_as(secretary)
    response = client.get("/invoices/saft.xml?from=01.05.2026&to=31.05.2026")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    assert world.patient_a.cpr.encode() not in response.content
    root = fromstring(response.content)  # noqa: S314 (our own output, not untrusted input)
    assert root.find("s:Header/s:AuditFileVersion", NS).text == "1.0"
    assert root.find("s:Header/s:SelectionCriteria/s:SelectionStartDate", NS).text == "2026-05-01"
    entries = root.find("s:GeneralLedgerEntries", NS)
    assert entries.find("s:NumberOfEntries", NS).text == "3"  # the invoice, two payments
    debit, credit = (
        D(entries.find("s:TotalDebit", NS).text),
        D(entries.find("s:TotalCredit", NS).text),
    )
    assert debit == credit == D("1325.00")
    for transaction in entries.iter(f"{{{NAMESPACE}}}Transaction"):
        assert _amounts(transaction, "s:Line/s:DebitAmount/s:Amount") == _amounts(
            transaction, "s:Line/s:CreditAmount/s:Amount"
        )
    vat_lines = [
        t
        for t in root.iter(f"{{{NAMESPACE}}}TaxInformation")
        if t.find("s:TaxCode", NS).text == "S25"
    ]
    assert [t.find("s:TaxAmount/s:Amount", NS).text for t in vat_lines] == ["25.00"]
    accounts = {a.find("s:AccountID", NS).text: a for a in root.iter(f"{{{NAMESPACE}}}Account")}
    receivables = accounts["5600"]
    # April's invoice (450) is the opening debit; May adds 575 and receives 750: 275 left.
    assert receivables.find("s:OpeningDebitBalance", NS).text == "450.00"
    assert receivables.find("s:ClosingDebitBalance", NS).text == "275.00"
    customers = root.findall("s:MasterFiles/s:Customers/s:Customer", NS)
    assert [c.find("s:CustomerID", NS).text for c in customers] == [str(world.patient_a.public_id)]
    assert AccessLogEntry.objects.filter(object_type="saft_financial").count() == 1
    assert client.get("/invoices/saft.xml?from=31.05.2026&to=01.05.2026").status_code == 422
