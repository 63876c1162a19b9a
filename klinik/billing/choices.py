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
    FEES = "fees", _("Fees (group 2)")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    MOBILEPAY = "mobilepay", _("MobilePay")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")


# The VAT rates an invoice line may carry, in whole percent: 0 for health treatment (momsloven
# § 13 stk. 1 nr. 1), 25 for VAT-liable items (some certificates, cosmetic treatment).
VAT_RATES = (0, 25)
VAT_EXEMPT_NOTE = "Momsfritaget sundhedsydelse, jf. momsloven § 13, stk. 1, nr. 1."


class FeeKind(models.TextChoices):
    BASIC = "basic", _("Basic service")
    SUPPLEMENT = "supplement", _("Supplementary service")


class FeeStatus(models.TextChoices):
    SUGGESTED = "suggested", _("To approve")
    APPROVED = "approved", _("Approved")
    SETTLED = "settled", _("Sent for settlement")
    REJECTED = "rejected", _("Rejected by the region")


class FeePayer(models.TextChoices):
    REGION = "region", _("The region")
    PATIENT = "patient", _("The patient (group 2)")


# The fee a contact suggests by how the patient attended (OK22): consultation, telephone
# consultation, video consultation. Amounts come from the imported tables, never from here.
FEE_BY_ATTENDANCE = {"in_person": "0101", "phone": "0201", "video": "0125"}
# The same for a contact without an appointment, by its kind (records.ContactKind): a written
# contact is an e-konsultation (0105).
FEE_BY_CONTACT_KIND = {"physical": "0101", "phone": "0201", "video": "0125", "written": "0105"}
