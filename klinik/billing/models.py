"""Private invoicing: the price list, the number series, invoices and credit notes with their
lines, and payments (docs/adr/0021).

An invoice is issued when it is created: it gets its number from the organisation's series in
the same transaction, and nothing about it changes afterwards (the Bookkeeping Act: entries are
never changed; a correction is a credit note with its own number in the same series, then a new
invoice). Amounts are `Decimal` with two places; a credit note's amounts are negative, so that
an invoice and its credit note sum to nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from klinik.billing.choices import (
    FeeKind,
    FeePayer,
    FeeStatus,
    InvoiceKind,
    InvoiceSourceKind,
    PaymentMethod,
)


def _org() -> models.ForeignKey[Any]:
    return models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )


def _user(*, null: bool = False) -> models.ForeignKey[Any]:
    return models.ForeignKey(
        "core.User", on_delete=models.PROTECT, related_name="+", null=null, blank=null
    )


def _money(label: Any) -> models.DecimalField[Any, Any]:
    return models.DecimalField(label, max_digits=12, decimal_places=2)


_VAT = Q(vat_rate__in=[0, 25])


class PriceItem(models.Model):
    """One line of the price list: for an appointment type (a treatment), or an item sold by
    itself (a certificate, a no-show fee, an exercise band)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    name = models.CharField(_("name"), max_length=200)
    unit_price = _money(_("price (kr.)"))
    vat_rate = models.PositiveSmallIntegerField(_("VAT rate (%)"), default=0)
    appointment_type = models.ForeignKey(
        "scheduling.AppointmentType",
        verbose_name=_("appointment type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_no_show_fee = models.BooleanField(_("no-show fee"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "name"], name="bill_price_org_idx")]
        constraints = [
            models.CheckConstraint(condition=_VAT, name="bill_price_vat_rate"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="bill_price_not_negative"),
            # One active price per appointment type.
            models.UniqueConstraint(
                fields=["organisation", "appointment_type"],
                condition=Q(is_active=True, appointment_type__isnull=False),
                name="bill_price_one_per_type",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class InvoiceSeries(models.Model):
    """The organisation's invoicing: its number series (the last number given, and the date of
    the invoice that got it) and what its invoices say about payment. The issuing
    transaction's last statement advances it (billing.numbering), which locks the row until
    that transaction ends: numbers are consecutive and a rolled back issue gives its number
    back (docs/adr/0021, 0036)."""

    organisation = models.OneToOneField(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    last_number = models.PositiveIntegerField(default=0)
    # The invoice date of number `last_number`: a later number never carries an earlier date,
    # checked by the statement that takes the number.
    last_issued_on = models.DateField(null=True, blank=True)
    payment_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=14)
    bank_registration = models.CharField(_("bank registration number"), max_length=4, blank=True)
    bank_account = models.CharField(_("bank account number"), max_length=10, blank=True)

    def __str__(self) -> str:
        return f"invoice series {self.organisation_id}: {self.last_number}"


class Invoice(models.Model):
    """An issued invoice or credit note. The buyer's and seller's particulars are copied in
    when issued: the document must read the same in five years, whatever changes since."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    credits = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes"
    )
    issued_on = models.DateField(_("invoice date"))
    supplied_on = models.DateField(_("date of supply"))
    due_on = models.DateField(_("due date"))
    source_kind = models.CharField(
        max_length=12, choices=InvoiceSourceKind.choices, default=InvoiceSourceKind.MANUAL
    )
    source_id = models.UUIDField(null=True, blank=True)  # the appointment's, certificate's id
    # What the source is, in words, as the issuing app names it ("Attest: Lægeerklæring ...").
    source_label = models.CharField(_("source"), max_length=200, blank=True)
    buyer_name = models.CharField(max_length=200)
    buyer_address = models.CharField(max_length=300, blank=True)
    seller = models.JSONField(default=dict)  # name, address, CVR, bank account at issue
    subtotal = _money(_("subtotal"))
    vat = _money(_("VAT"))
    total = _money(_("total"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = _user(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "-number"], name="bill_invoice_list_idx"),
            models.Index(fields=["organisation", "patient"], name="bill_invoice_patient_idx"),
            models.Index(fields=["organisation", "due_on"], name="bill_invoice_due_idx"),
        ]
        constraints = [
            # Gap-free is the counter's; unique is the database's.
            models.UniqueConstraint(fields=["organisation", "number"], name="bill_invoice_number"),
            models.CheckConstraint(
                condition=Q(kind=InvoiceKind.INVOICE, credits__isnull=True, total__gte=0)
                | Q(kind=InvoiceKind.CREDIT_NOTE, credits__isnull=False, total__lte=0),
                name="bill_invoice_kind_sign",
            ),
            models.CheckConstraint(
                condition=Q(total=models.F("subtotal") + models.F("vat")),
                name="bill_invoice_total_sum",
            ),
            # A credit note may credit part of its invoice: several credit notes per invoice,
            # each line credited at most what is left of it (billing.credit, docs/adr/0028).
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("issued_on")), name="bill_invoice_due_after_issue"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE


class InvoiceLine(models.Model):
    organisation = _org()
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(_("text"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=9, decimal_places=2)
    unit_price = _money(_("unit price"))
    vat_rate = models.PositiveSmallIntegerField(_("VAT rate (%)"))
    amount = _money(_("amount"))  # quantity x unit price, rounded half up; excluding VAT
    price_item = models.ForeignKey(
        PriceItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # On a credit note: the invoice line this line credits (part of it or all).
    credits_line = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credited_by"
    )

    class Meta:
        ordering = ["position"]
        indexes = [models.Index(fields=["organisation", "vat_rate"], name="bill_line_org_idx")]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="bill_line_position"),
            models.CheckConstraint(condition=_VAT, name="bill_line_vat_rate"),
            models.CheckConstraint(condition=~Q(quantity=0), name="bill_line_quantity"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="bill_line_price"),
        ]

    def __str__(self) -> str:
        return self.text


class Payment(models.Model):
    """Money received against an invoice (part payments are several rows). Never more than the
    open amount: an overpayment is refused, not kept as a credit (docs/adr/0021)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = _money(_("amount"))
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    paid_on = models.DateField(_("date"))
    created_by = _user(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "paid_on"], name="bill_payment_day_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="bill_payment_positive"),
        ]

    def __str__(self) -> str:
        return f"payment {self.amount} on {self.invoice_id}"


class Reminder(models.Model):
    """A rykker for an overdue invoice (renteloven § 9 b): at most three per invoice, at least
    ten days apart, a fee of at most 100 kr. each. The fee is owed on top of the invoice."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="reminders")
    sequence = models.PositiveSmallIntegerField()
    sent_on = models.DateField(_("sent"))
    due_on = models.DateField(_("due date"))
    fee = _money(_("reminder fee"))
    created_by = _user(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "sent_on"], name="bill_reminder_day_idx")]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "sequence"], name="bill_reminder_sequence"),
            models.CheckConstraint(
                condition=Q(sequence__gte=1, sequence__lte=3), name="bill_reminder_at_most_three"
            ),
            models.CheckConstraint(
                condition=Q(fee__gte=0, fee__lte=100), name="bill_reminder_fee_limit"
            ),
        ]

    def __str__(self) -> str:
        return f"reminder {self.sequence} on {self.invoice_id}"


class DanmarkClaim(models.Model):
    """An invoice reported to Sygeforsikringen "danmark" for a member's subsidy (through the
    adapter in billing/danmark.py). The subsidy is paid to the member; the invoice shows it and
    what the patient pays after it. One report per invoice."""

    organisation = _org()
    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="danmark")
    reported_at = models.DateTimeField()
    reference = models.CharField(max_length=64)
    subsidy = _money(_("subsidy"))
    reported_by = _user(null=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "reported_at"], name="bill_danmark_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(subsidy__gte=0), name="bill_danmark_subsidy"),
        ]

    def __str__(self) -> str:
        return f"danmark {self.reference}"


class FeeRate(models.Model):
    """A fee code's amount for one sygesikringsgruppe in one period (the tables change 1 April
    and 1 October): national data, imported (`klinik fees import`), never hard-coded."""

    code = models.CharField(_("code"), max_length=6)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(max_length=12, choices=FeeKind.choices, default=FeeKind.BASIC)
    insurance_group = models.PositiveSmallIntegerField(_("health insurance group"))
    amount = _money(_("amount"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)  # inclusive
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["code", "valid_from"], name="bill_feerate_code_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "insurance_group", "valid_from"], name="bill_feerate_period"
            ),
            models.CheckConstraint(
                condition=Q(insurance_group__in=[1, 2]), name="bill_feerate_group"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="bill_feerate_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Settlement(models.Model):
    """A batch of approved fees sent to the region for one month (regional settlement),
    exported as a file through the adapter (billing/settlement.py)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    period = models.DateField(_("month"))  # its first day
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = _user(null=True)
    fee_count = models.PositiveIntegerField(default=0)
    total = _money(_("total"))
    file_name = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=100, blank=True)  # the adapter's

    class Meta:
        indexes = [models.Index(fields=["organisation", "-period"], name="bill_settlement_idx")]

    def __str__(self) -> str:
        return f"settlement {self.period:%Y-%m}"


class Fee(models.Model):
    """A service (ydelse) registered for a contact: suggested from the appointment, editable
    until approved, then settled with the region (gruppe 1) or paid by the patient (gruppe 2)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = _org()
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A contact without an appointment (a written e-konsultation, a phone call).
    contact = models.ForeignKey(
        "records.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    performed_on = models.DateField(_("date"))
    code = models.CharField(_("code"), max_length=6)
    title = models.CharField(_("title"), max_length=200)
    insurance_group = models.PositiveSmallIntegerField(_("health insurance group"))
    payer = models.CharField(max_length=8, choices=FeePayer.choices)
    amount = _money(_("amount"))
    status = models.CharField(max_length=10, choices=FeeStatus.choices, default=FeeStatus.SUGGESTED)
    approved_by = _user(null=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    settlement = models.ForeignKey(
        Settlement, on_delete=models.PROTECT, null=True, blank=True, related_name="fees"
    )
    rejection_reason = models.CharField(max_length=300, blank=True)
    # A gruppe-2 patient's approved fee is billed to the patient: the invoice carrying it.
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="billed_fees"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "unit", "status", "performed_on"], name="bill_fee_queue_idx"
            ),
            models.Index(fields=["organisation", "patient"], name="bill_fee_patient_idx"),
            models.Index(
                fields=["organisation", "status", "performed_on"], name="bill_fee_period_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "code"],
                condition=Q(appointment__isnull=False),
                name="bill_fee_once_per_appointment",
            ),
            models.UniqueConstraint(
                fields=["contact", "code"],
                condition=Q(contact__isnull=False),
                name="bill_fee_once_per_contact",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="bill_fee_amount"),
            models.CheckConstraint(
                condition=Q(status__in=["suggested", "rejected"]) | Q(approved_at__isnull=False),
                name="bill_fee_approved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.performed_on}"
