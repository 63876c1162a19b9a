from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateFamily(models.TextChoices):
    """Lægeforeningen's Attestnøglen families (docs/domain §7.5)."""

    LAE = "LAE", _("LÆ (municipal)")
    FP = "FP", _("FP (insurance and pension)")
    AES = "AES", _("AES (labour market insurance)")
    FREE = "FREE", _("Free certificate (clinic's price)")


class CertificateStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")  # registered, waits to be written
    WRITTEN = "written", _("Written")  # its letter is written, not yet sent
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_CERTIFICATE_STATUSES = (CertificateStatus.REQUESTED, CertificateStatus.WRITTEN)
