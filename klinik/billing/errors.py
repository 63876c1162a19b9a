"""Billing's refusals: one code enum, messages as constants tests assert on."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from klinik.core.errors import DomainError


class BillingCode(StrEnum):
    REQUIRED = "required"
    NO_LINES = "no_lines"
    TOO_MANY_LINES = "too_many_lines"
    BAD_NUMBER = "bad_number"
    NOT_POSITIVE = "not_positive"
    TOO_MANY_DECIMALS = "too_many_decimals"
    TOO_LARGE = "too_large"
    BAD_VAT_RATE = "bad_vat_rate"
    TOO_LONG = "too_long"
    BAD_VALUE = "bad_value"
    PATIENT_NOT_YOURS = "patient_not_yours"
    UNIT_NOT_YOURS = "unit_not_yours"
    NO_PRICE = "no_price"
    ALREADY_INVOICED = "already_invoiced"
    CREDIT_OF_CREDIT = "credit_of_credit"
    ALREADY_CREDITED = "already_credited"
    PAYMENT_ON_CREDIT = "payment_on_credit"
    OVERPAYMENT = "overpayment"
    NOTHING_OPEN = "nothing_open"
    DATE_IN_FUTURE = "date_in_future"
    DATE_BEFORE_INVOICE = "date_before_invoice"
    DUE_BEFORE_ISSUE = "due_before_issue"
    NO_SHOW_ONLY = "no_show_only"
    FEE_TOO_HIGH = "fee_too_high"
    NOT_OVERDUE = "not_overdue"
    REMINDERS_USED = "reminders_used"
    REMINDER_TOO_SOON = "reminder_too_soon"
    CLAIM_LAPSED = "claim_lapsed"
    ALREADY_REPORTED = "already_reported"
    DATE_BEFORE_LAST = "date_before_last"
    UNKNOWN_FEE = "unknown_fee"
    FEE_LOCKED = "fee_locked"
    FEE_NOT_SETTLED = "fee_not_settled"
    NOTHING_TO_SETTLE = "nothing_to_settle"
    NOTHING_TO_CREDIT = "nothing_to_credit"
    LINE_CREDITED = "line_credited"
    CREDIT_TOO_MUCH = "credit_too_much"
    NOT_TO_INVOICE = "not_to_invoice"


class BillingError(DomainError):
    statuses = {
        BillingCode.ALREADY_INVOICED: 409,
        BillingCode.ALREADY_CREDITED: 409,
        BillingCode.ALREADY_REPORTED: 409,
    }

    REQUIRED = _("This field is required.")
    NO_LINES = _("An invoice needs at least one line.")
    TOO_MANY_LINES = _("At most %(max)d lines.")
    BAD_NUMBER = _("Not a number: write it like 450,00.")
    NOT_POSITIVE = _("Must be more than zero.")
    TOO_MANY_DECIMALS = _("At most two decimals (whole øre).")
    TOO_LARGE = _("The amount is too large.")
    BAD_VAT_RATE = _("The VAT rate must be 0 or 25 percent.")
    TOO_LONG = _("At most %(max)d characters.")
    BAD_VALUE = _("Not a valid choice: %(value)s.")
    PATIENT_NOT_YOURS = _("The patient does not belong to your organisation.")
    UNIT_NOT_YOURS = _("The unit does not belong to your organisation.")
    NO_PRICE = _("The appointment type has no price in the price list. Add one first.")
    ALREADY_INVOICED = _("This has already been invoiced (invoice %(number)s).")
    CREDIT_OF_CREDIT = _("A credit note cannot be credited.")
    ALREADY_CREDITED = _("The invoice has already been credited (credit note %(number)s).")
    PAYMENT_ON_CREDIT = _("A payment is registered on the invoice, not on a credit note.")
    OVERPAYMENT = _("The payment is larger than the open amount (%(open)s kr.).")
    NOTHING_OPEN = _("Nothing is open on this invoice.")
    DATE_IN_FUTURE = _("The date cannot be in the future.")
    DATE_BEFORE_INVOICE = _("The payment cannot be dated before the invoice.")
    DUE_BEFORE_ISSUE = _("The due date cannot be before the invoice date.")
    NO_SHOW_ONLY = _("A no-show fee is for an appointment the patient did not come to.")
    FEE_TOO_HIGH = _("A reminder fee is at most 100 kr. (renteloven § 9 b).")
    NOT_OVERDUE = _("The invoice is not overdue: it falls due on %(due)s.")
    REMINDERS_USED = _("At most %(max)d reminders for one invoice (renteloven § 9 b).")
    REMINDER_TOO_SOON = _("At least 10 days between reminders: the next one from %(day)s.")
    CLAIM_LAPSED = _("The claim is more than 3 years old and cannot be reported to danmark.")
    ALREADY_REPORTED = _("The invoice has already been reported to danmark.")
    UNKNOWN_FEE = _("No fee %(fee)s in the fee table for that day and group.")
    FEE_LOCKED = _("The fee is approved: it can no longer be changed.")
    FEE_NOT_SETTLED = _("Only a fee sent for settlement can be rejected.")
    NOTHING_TO_SETTLE = _("No approved fees to settle for that month.")
    NOTHING_TO_CREDIT = _("Nothing is left to credit on this invoice.")
    LINE_CREDITED = _("This line has already been credited in full.")
    CREDIT_TOO_MUCH = _("At most %(left)s kr. is left to credit on this line.")
    DATE_BEFORE_LAST = _("The invoice date cannot be before the last invoice's (%(day)s).")
    NOT_TO_INVOICE = _("The certificate is not sent with a fee: there is nothing to invoice.")

    def __init__(self, code: BillingCode, message: object, field: str = "") -> None:
        super().__init__(code, message, field)


def billing_error(code: BillingCode, field: str, **params: object) -> BillingError:
    message = getattr(BillingError, code.name)
    return BillingError(code, message % params if params else message, field=field)
