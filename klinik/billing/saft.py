"""SAF-T Financial per period: the Danish Business Authority's (Erhvervsstyrelsen) standard
export for digital bookkeeping systems, "Danish SAF-T Financial" version 1.0 (namespace
urn:StandardAuditFile-Taxation-Financial:DK; built on OECD SAF-T 2.0). Docs: docs/adr/0028.

What is in it: the Header (the clinic, its CVR, the period), MasterFiles with the general
ledger accounts of the journal's account mapping (bookkeeping.ACCOUNTS) with their opening and
closing balances, the customers (patients, by their public id and name; never a CPR number)
and the VAT table (S25 output VAT 25 %, SF exempt health treatment); GeneralLedgerEntries with
the same postings as the CSV journal, one Transaction per voucher (invoice, credit note,
reminder fee, payment) and the VAT per line. StandardAccountID (the mapping to Erhvervsstyrelsen's
standard chart of accounts) is left to the accountant: `STANDARD_ACCOUNTS` is empty until the
mapping is verified against the published chart, and the element is then written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from xml.etree.ElementTree import Element, SubElement, tostring

from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.billing.bookkeeping import ACCOUNTS, Posting, journal_postings
from klinik.billing.models import Invoice, Payment, Reminder
from klinik.core.models import Organisation
from klinik.core.policy import Actor, Perm, require

NAMESPACE = "urn:StandardAuditFile-Taxation-Financial:DK"
VERSION = "1.0"
SOFTWARE = ("Klinik", "Klinik", "0.1")
ZERO = Decimal("0.00")
EPOCH = date(2000, 1, 1)
# account key -> Erhvervsstyrelsen's standard account number; empty until verified (ADR 0028).
STANDARD_ACCOUNTS: dict[str, str] = {}
TAX_CODES = {"S25": ("Udgående moms 25 %", Decimal(25)), "SF": ("Momsfri sundhedsydelse", ZERO)}
JOURNALS = {"F": ("SALG", "Fakturaer og kreditnotaer"), "R": ("SALG", "Rykkergebyrer")}
JOURNALS_BANK = ("BANK", "Indbetalinger")


def _text(parent: Element, tag: str, value: object) -> Element:
    child = SubElement(parent, tag)
    child.text = str(value)
    return child


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _balances(postings: Iterable[Posting]) -> dict[str, Decimal]:
    """Debit minus credit per account."""
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for p in postings:
        sums[p.account] += p.debit - p.credit
    return sums


def _balance(parent: Element, prefix: str, amount: Decimal) -> None:
    if amount >= 0:
        _text(parent, f"{prefix}DebitBalance", _money(amount))
    else:
        _text(parent, f"{prefix}CreditBalance", _money(-amount))


def _header(root: Element, organisation: Organisation, start: date, end: date) -> None:
    header = SubElement(root, "Header")
    _text(header, "AuditFileVersion", VERSION)
    _text(header, "AuditFileCountry", "DK")
    _text(header, "AuditFileDateCreated", timezone.localdate().isoformat())
    _text(header, "SoftwareCompanyName", SOFTWARE[0])
    _text(header, "SoftwareID", SOFTWARE[1])
    _text(header, "SoftwareVersion", SOFTWARE[2])
    company = SubElement(header, "Company")
    _text(company, "RegistrationNumber", organisation.cvr or "")
    _text(company, "Name", organisation.name)
    address = SubElement(company, "Address")
    _text(address, "StreetName", organisation.address or "")
    _text(address, "City", organisation.city or "")
    _text(address, "PostalCode", organisation.postal_code or "")
    _text(address, "Country", "DK")
    if organisation.phone or organisation.email:
        contact = SubElement(company, "Contact")
        person = SubElement(contact, "ContactPerson")
        _text(person, "FirstName", "NotUsed")
        _text(person, "LastName", organisation.name[:70])
        if organisation.phone:
            _text(contact, "Telephone", organisation.phone)
        if organisation.email:
            _text(contact, "Email", organisation.email)
    if organisation.cvr:
        registration = SubElement(company, "TaxRegistration")
        _text(registration, "TaxRegistrationNumber", f"DK{organisation.cvr}")
    _text(header, "DefaultCurrencyCode", "DKK")
    selection = SubElement(header, "SelectionCriteria")
    _text(selection, "SelectionStartDate", start.isoformat())
    _text(selection, "SelectionEndDate", end.isoformat())
    _text(header, "TaxAccountingBasis", "A")


def _customers(master: Element, orgs: frozenset[int], start: date, end: date) -> dict[int, str]:
    """The period's buyers: patient id -> CustomerID (the patient's public id)."""
    invoice_ids = set(
        Invoice.objects.filter(organisation_id__in=orgs, issued_on__range=(start, end)).values_list(
            "id", flat=True
        )
    )
    invoice_ids |= set(
        Payment.objects.filter(organisation_id__in=orgs, paid_on__range=(start, end)).values_list(
            "invoice_id", flat=True
        )
    )
    invoice_ids |= set(
        Reminder.objects.filter(organisation_id__in=orgs, sent_on__range=(start, end)).values_list(
            "invoice_id", flat=True
        )
    )
    rows = (
        Invoice.objects.filter(id__in=invoice_ids)
        .order_by("patient_id", "-number")
        .values_list("patient_id", "patient__public_id", "buyer_name", "buyer_address")
    )
    customers = SubElement(master, "Customers")
    ids: dict[int, str] = {}
    for patient_id, public_id, name, address_text in rows:
        if patient_id in ids:
            continue
        ids[patient_id] = str(public_id)
        customer = SubElement(customers, "Customer")
        _text(customer, "Name", name)
        address = SubElement(customer, "Address")
        _text(address, "StreetName", address_text.split(",")[0].strip())
        _text(address, "Country", "DK")
        _text(customer, "CustomerID", public_id)
        _text(customer, "AccountID", ACCOUNTS["receivables"][0])
    return ids


def saft_financial(*, actor: Actor, start: date, end: date, channel: Channel = Channel.UI) -> bytes:
    """The period's SAF-T Financial XML (UTF-8); logged as an export."""
    require(actor, Perm.INVOICE_VIEW)
    organisation = actor.organisation
    if organisation is None:
        raise PermissionError("no organisation")
    orgs = frozenset({organisation.pk})
    root = Element("AuditFile", {"xmlns": NAMESPACE})
    _header(root, organisation, start, end)
    before = _balances(
        journal_postings(organisation_ids=orgs, start=EPOCH, end=start - timedelta(days=1))
    )
    postings = list(journal_postings(organisation_ids=orgs, start=start, end=end))
    during = _balances(postings)
    master = SubElement(root, "MasterFiles")
    accounts = SubElement(master, "GeneralLedgerAccounts")
    for key, (number, name) in ACCOUNTS.items():
        account = SubElement(accounts, "Account")
        _text(account, "AccountID", number)
        _text(account, "AccountDescription", name)
        if key in STANDARD_ACCOUNTS:
            _text(account, "StandardAccountID", STANDARD_ACCOUNTS[key])
        _text(account, "AccountType", "GL")
        _balance(account, "Opening", before.get(key, ZERO))
        _balance(account, "Closing", before.get(key, ZERO) + during.get(key, ZERO))
    customer_ids = _customers(master, orgs, start, end)
    tax_table = SubElement(master, "TaxTable")
    entry = SubElement(tax_table, "TaxTableEntry")
    _text(entry, "TaxType", "MOMS")
    _text(entry, "Description", "Moms")
    for code, (description, percentage) in TAX_CODES.items():
        details = SubElement(entry, "TaxCodeDetails")
        _text(details, "TaxCode", code)
        _text(details, "Description", description)
        _text(details, "TaxPercentage", f"{percentage:.2f}")
        _text(details, "Country", "DK")
    _entries(root, postings, orgs, start, end, customer_ids)
    access_log_record(
        actor=actor,
        action=Action.EXPORT,
        purpose=Purpose.ADMINISTRATION,
        channel=channel,
        object_type="saft_financial",
        reason=f"{len(postings)} rows",
    )
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode").encode()


def _voucher_customers(orgs: frozenset[int], start: date, end: date) -> dict[str, int]:
    """Voucher -> the patient it concerns (the CustomerID of its transaction)."""
    result: dict[str, int] = {}
    for number, patient_id in Invoice.objects.filter(
        organisation_id__in=orgs, issued_on__range=(start, end)
    ).values_list("number", "patient_id"):
        result[f"F{number}"] = patient_id
    for number, sequence, patient_id in Reminder.objects.filter(
        organisation_id__in=orgs, sent_on__range=(start, end)
    ).values_list("invoice__number", "sequence", "invoice__patient_id"):
        result[f"R{number}-{sequence}"] = patient_id
    for number, pk, patient_id in Payment.objects.filter(
        organisation_id__in=orgs, paid_on__range=(start, end)
    ).values_list("invoice__number", "pk", "invoice__patient_id"):
        result[f"B{number}-{pk}"] = patient_id
    return result


def _entries(
    root: Element,
    postings: list[Posting],
    orgs: frozenset[int],
    start: date,
    end: date,
    customer_ids: dict[int, str],
) -> None:
    entries = SubElement(root, "GeneralLedgerEntries")
    vouchers: dict[str, list[Posting]] = {}
    for p in postings:
        vouchers.setdefault(p.voucher, []).append(p)
    _text(entries, "NumberOfEntries", len(vouchers))
    _text(entries, "TotalDebit", _money(sum((p.debit for p in postings), ZERO)))
    _text(entries, "TotalCredit", _money(sum((p.credit for p in postings), ZERO)))
    owners = _voucher_customers(orgs, start, end)
    journals: dict[str, Element] = {}
    for voucher, lines in vouchers.items():
        journal_id, description = JOURNALS.get(voucher[0], JOURNALS_BANK)
        journal = journals.get(journal_id)
        if journal is None:
            journal = journals[journal_id] = SubElement(entries, "Journal")
            _text(journal, "JournalID", journal_id)
            _text(journal, "Description", description)
            _text(journal, "Type", journal_id)
        first = lines[0]
        transaction = SubElement(journal, "Transaction")
        _text(transaction, "TransactionID", voucher)
        _text(transaction, "Period", first.day.month)
        _text(transaction, "PeriodYear", first.day.year)
        _text(transaction, "TransactionDate", first.day.isoformat())
        _text(transaction, "Description", first.text[:200])
        _text(transaction, "SystemEntryDate", first.day.isoformat())
        _text(transaction, "GLPostingDate", first.day.isoformat())
        customer = customer_ids.get(owners.get(voucher, -1), "")
        vat_amount = sum((p.credit - p.debit for p in lines if p.account == "output_vat"), ZERO)
        for record, p in enumerate(lines, start=1):
            line = SubElement(transaction, "Line")
            _text(line, "RecordID", record)
            _text(line, "AccountID", ACCOUNTS[p.account][0])
            if customer and p.account == "receivables":
                _text(line, "CustomerID", customer)
            _text(line, "Description", p.text[:200])
            side = SubElement(line, "DebitAmount" if p.debit else "CreditAmount")
            _text(side, "Amount", _money(p.debit or p.credit))
            if p.vat_code and p.account != "output_vat":
                tax = SubElement(line, "TaxInformation")
                _text(tax, "TaxType", "MOMS")
                _text(tax, "TaxCode", p.vat_code)
                _text(tax, "TaxPercentage", f"{TAX_CODES[p.vat_code][1]:.2f}")
                _text(tax, "TaxBase", _money(abs(p.credit - p.debit)))
                amount = SubElement(tax, "TaxAmount")
                _text(amount, "Amount", _money(abs(vat_amount) if p.vat_code == "S25" else ZERO))
