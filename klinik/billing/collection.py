"""After an invoice is issued: reminders (rykkere) for an overdue invoice, and the report to
Sygeforsikringen "danmark" for a member's subsidy. Both add rows beside the invoice; the
invoice itself never changes (docs/adr/0021)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.services import access_log_record
from klinik.billing.danmark import DanmarkLine, DanmarkReport, danmark_backend
from klinik.billing.errors import BillingCode, billing_error
from klinik.billing.models import DanmarkClaim, Invoice, Reminder
from klinik.billing.services import amount_check, open_amount
from klinik.core.policy import Actor, Perm, require

REMINDERS_MAX = 3  # renteloven § 9 b: fees for at most three reminders per claim
REMINDER_FEE_MAX = Decimal("100.00")  # renteloven § 9 b stk. 1: at most 100 kr. per reminder
REMINDER_SPACING_DAYS = 10  # at least ten days between reminders
REMINDER_PAYMENT_DAYS = 10  # the reminder's own due date
DANMARK_CLAIM_YEARS = 3  # claims older than three years are lapsed (sygeforsikring.dk)


def _log(actor: Actor, invoice: Invoice, channel: Channel, object_type: str) -> None:
    access_log_record(
        actor=actor,
        action=Action.CREATE,
        purpose=Purpose.ADMINISTRATION,
        channel=channel,
        object_type=object_type,
        object_id=invoice.public_id,
        patient_id=invoice.patient.public_id,
        organisation_id=invoice.organisation_id,
    )


def _mine(actor: Actor, invoice: Invoice) -> None:
    if invoice.organisation_id not in actor.organisation_ids:
        raise billing_error(BillingCode.PATIENT_NOT_YOURS, "invoice")


def reminder_send(
    *,
    actor: Actor,
    invoice: Invoice,
    fee: object = REMINDER_FEE_MAX,
    channel: Channel = Channel.UI,
) -> Reminder:
    """Register the next reminder of an overdue invoice (printed or sent from its PDF): after
    the due date, at least ten days after the previous one, at most three, the fee at most
    100 kr. Field names in refusals: invoice, fee."""
    require(actor, Perm.INVOICE_WRITE)
    _mine(actor, invoice)
    if invoice.is_credit_note:
        raise billing_error(BillingCode.PAYMENT_ON_CREDIT, "invoice")
    value = amount_check(fee, "fee", allow_zero=True)
    if value > REMINDER_FEE_MAX:
        raise billing_error(BillingCode.FEE_TOO_HIGH, "fee")
    today = timezone.localdate()
    with transaction.atomic(durable=True):
        locked = Invoice.objects.select_for_update().select_related("patient").get(pk=invoice.pk)
        if open_amount(locked) <= 0:
            raise billing_error(BillingCode.NOTHING_OPEN, "invoice")
        if today <= locked.due_on:
            raise billing_error(BillingCode.NOT_OVERDUE, "invoice", due=f"{locked.due_on:%d.%m.%Y}")
        earlier = list(locked.reminders.order_by("sequence"))
        if len(earlier) >= REMINDERS_MAX:
            raise billing_error(BillingCode.REMINDERS_USED, "invoice", max=REMINDERS_MAX)
        if earlier and today < earlier[-1].sent_on + timedelta(days=REMINDER_SPACING_DAYS):
            next_day = earlier[-1].sent_on + timedelta(days=REMINDER_SPACING_DAYS)
            raise billing_error(
                BillingCode.REMINDER_TOO_SOON, "invoice", day=f"{next_day:%d.%m.%Y}"
            )
        reminder = Reminder.objects.create(
            organisation_id=locked.organisation_id,
            invoice=locked,
            sequence=len(earlier) + 1,
            sent_on=today,
            due_on=today + timedelta(days=REMINDER_PAYMENT_DAYS),
            fee=value,
            created_by=actor.user,
        )
        _log(actor, locked, channel, "invoice_reminder")
    return reminder


def danmark_report(
    *, actor: Actor, invoice: Invoice, channel: Channel = Channel.UI
) -> DanmarkClaim:
    """Report the invoice to "danmark" for the member's subsidy (once per invoice; not a
    credit note, not a credited invoice, not a claim older than three years)."""
    require(actor, Perm.INVOICE_WRITE)
    _mine(actor, invoice)
    if invoice.is_credit_note:
        raise billing_error(BillingCode.CREDIT_OF_CREDIT, "invoice")
    today = timezone.localdate()
    try:
        lapsed = invoice.supplied_on.replace(year=invoice.supplied_on.year + DANMARK_CLAIM_YEARS)
    except ValueError:  # 29 February
        lapsed = invoice.supplied_on.replace(
            year=invoice.supplied_on.year + DANMARK_CLAIM_YEARS, day=28
        )
    if today >= lapsed:
        raise billing_error(BillingCode.CLAIM_LAPSED, "invoice")
    with transaction.atomic(durable=True):
        locked = Invoice.objects.select_for_update().select_related("patient").get(pk=invoice.pk)
        if DanmarkClaim.objects.filter(invoice=locked).exists():
            raise billing_error(BillingCode.ALREADY_REPORTED, "invoice")
        credit = locked.credit_notes.first()
        if credit is not None:
            raise billing_error(BillingCode.ALREADY_CREDITED, "invoice", number=credit.number)
        report = DanmarkReport(
            provider_cvr=str(locked.seller.get("cvr", "")),
            invoice_number=locked.number,
            supplied_on=locked.supplied_on,
            total=locked.total,
            member_cpr=locked.patient.cpr,
            lines=tuple(
                DanmarkLine(text=line.text, amount=line.amount, vat_rate=line.vat_rate)
                for line in locked.lines.all()
            ),
        )
        answer = danmark_backend().report(report)
        claim = DanmarkClaim.objects.create(
            organisation_id=locked.organisation_id,
            invoice=locked,
            reported_at=timezone.now(),
            reference=answer.reference[:64],
            subsidy=min(answer.subsidy, locked.total),
            reported_by=actor.user,
        )
        _log(actor, locked, channel, "invoice_danmark")
    return claim
