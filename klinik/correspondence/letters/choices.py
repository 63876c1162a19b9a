from django.db import models
from django.utils.translation import gettext_lazy as _


class LetterKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation (indkaldelse)")
    REFERRAL_REPLY = "referral_reply", _("Reply to referral")
    DISCHARGE = "discharge", _("Discharge letter (epikrise)")
    FREE = "free", _("Free letter")


class LetterChannel(models.TextChoices):
    PRINT = "print", _("Print (PDF)")
    EMAIL = "email", _("E-mail")
    DIGITAL_POST = "digital_post", _("Digital Post")


class LetterStatus(models.TextChoices):
    """klar, sendt, kvitteret, fejlet."""

    READY = "ready", _("Ready")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    FAILED = "failed", _("Failed")


class IncomingStatus(models.TextChoices):
    """An incoming letter or scan: waiting for its patient, waiting to be filed, filed."""

    UNMATCHED = "unmatched", _("Awaiting patient")
    TO_FILE = "to_file", _("To be filed")
    FILED = "filed", _("Filed in the record")
