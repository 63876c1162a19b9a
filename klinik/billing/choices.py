from django.db import models
from django.utils.translation import gettext_lazy as _


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class InvoiceSourceKind(models.TextChoices):
    """What an invoice bills: the source's public id is kept beside it, so that one source is
    invoiced once (until credited). Correspondence's certificates come as "certificate"."""

    MANUAL = "manual", _("By hand")
    APPOINTMENT = "appointment", _("Appointment")
    NO_SHOW = "no_show", _("No-show fee")
    CERTIFICATE = "certificate", _("Certificate")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    MOBILEPAY = "mobilepay", _("MobilePay")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")


# The VAT rates an invoice line may carry, in whole percent: 0 for health treatment (momsloven
# § 13 stk. 1 nr. 1), 25 for VAT-liable items (some certificates, cosmetic treatment).
VAT_RATES = (0, 25)
VAT_EXEMPT_NOTE = "Momsfritaget sundhedsydelse, jf. momsloven § 13, stk. 1, nr. 1."
