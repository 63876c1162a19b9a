from django.db import models
from django.utils.translation import gettext_lazy as _


class RenewalSource(models.TextChoices):
    """How the request came: by phone (the secretary registers it), from the patient's
    self-service page (signed link), or as a patient's message (e-konsultation)."""

    PHONE = "phone", _("Phone")
    SELF_SERVICE = "self_service", _("Self-service page")
    MESSAGE = "message", _("Patient message")


class RenewalStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")  # waits for a secretary to prepare it
    PREPARED = "prepared", _("Prepared")  # waits for the doctor's decision
    APPROVED = "approved", _("Approved")  # renewed in FMK by the doctor
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_RENEWAL_STATUSES = (RenewalStatus.REQUESTED, RenewalStatus.PREPARED)
