"""Certificates (attester): the catalogue of types with dated prices (national rows without an
organisation, loaded from data/certificate_types.json; a clinic's own beside them) and the
requests. Imported by correspondence.models."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from klinik.correspondence.certificates.choices import CertificateFamily, CertificateStatus


class CertificateType(models.Model):
    """One kind of certificate: its Attestnøglen code, the reply deadline and whether its fee
    carries VAT (SKAT decides; the catalogue says)."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    code = models.CharField(_("code"), max_length=20)
    family = models.CharField(_("family"), max_length=4, choices=CertificateFamily.choices)
    name = models.CharField(_("name"), max_length=200)
    # Empty when the sources give no deadline: the request then names its own.
    reply_days = models.PositiveSmallIntegerField(_("reply deadline (days)"), null=True, blank=True)
    vat_rate = models.PositiveSmallIntegerField(_("VAT rate (%)"), default=0)
    source = models.CharField(_("source"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("certificate type")
        verbose_name_plural = _("certificate types")
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(organisation__isnull=True),
                name="corr_certtype_unique_national_code",
            ),
            models.UniqueConstraint(
                fields=["organisation", "code"], name="corr_certtype_unique_code"
            ),
            models.CheckConstraint(
                condition=Q(vat_rate__in=[0, 25]), name="corr_certtype_vat_rate"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CertificatePrice(models.Model):
    """The fee of a type from a day on (prices change 1 April and 1 October); a clinic's own
    price (organisation set) wins over the national one of the same or an earlier day."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    certificate_type = models.ForeignKey(
        CertificateType, on_delete=models.CASCADE, related_name="prices"
    )
    valid_from = models.DateField(_("valid from"))
    amount = models.DecimalField(_("fee excl. VAT"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("certificate price")
        verbose_name_plural = _("certificate prices")
        constraints = [
            models.UniqueConstraint(
                fields=["certificate_type", "valid_from"],
                condition=Q(organisation__isnull=True),
                name="corr_certprice_unique_national_day",
            ),
            models.UniqueConstraint(
                fields=["organisation", "certificate_type", "valid_from"],
                name="corr_certprice_unique_day",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="corr_certprice_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_type_id} {self.valid_from}: {self.amount}"


class Certificate(models.Model):
    """A requested certificate about a patient: who asked, by when, written as a letter from a
    template, sent through the letter's channel, then marked for invoicing at the fee and VAT
    of its type on the day it was requested."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    certificate_type = models.ForeignKey(
        CertificateType, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    requester = models.CharField(_("requested by"), max_length=200)
    requester_reference = models.CharField(_("their reference"), max_length=100, blank=True)
    received_on = models.DateField(_("received"))
    due_on = models.DateField(_("reply by"))
    status = models.CharField(_("status"), max_length=12, choices=CertificateStatus.choices)
    letter = models.ForeignKey(
        "correspondence.Letter", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fee = models.DecimalField(_("fee excl. VAT"), max_digits=10, decimal_places=2, null=True)
    vat_rate = models.PositiveSmallIntegerField(_("VAT rate (%)"))
    is_to_invoice = models.BooleanField(_("to be invoiced"), default=False)
    assigned_to = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("registered"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        indexes = [
            models.Index(fields=["organisation", "status", "due_on"], name="corr_cert_status_idx"),
            models.Index(fields=["organisation", "patient"], name="corr_cert_patient_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("received_on")), name="corr_cert_due_after"
            ),
            models.CheckConstraint(
                condition=~Q(status=CertificateStatus.SENT)
                | (Q(sent_at__isnull=False) & Q(letter__isnull=False)),
                name="corr_cert_sent_has_letter",
            ),
            models.CheckConstraint(
                condition=~Q(status=CertificateStatus.WRITTEN) | Q(letter__isnull=False),
                name="corr_cert_written_has_letter",
            ),
            models.CheckConstraint(
                condition=Q(is_to_invoice=False) | Q(status=CertificateStatus.SENT),
                name="corr_cert_invoiced_when_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"certificate {self.public_id}"
