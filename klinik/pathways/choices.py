from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", _("Awaiting visitation")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class ReferralPriority(models.TextChoices):
    AKUT = "akut", _("Acute")
    PLANLAGT = "planlagt", _("Planned")


class ReferralMode(models.TextChoices):
    """Henvisningsmåde: how the referral reached the unit."""

    ELECTRONIC = "electronic", _("Electronic (MedCom)")
    PAPER = "paper", _("Paper letter")
    SCANNED = "scanned", _("Scanned letter")
    PHONE = "phone", _("Phone")
    INTERNAL = "internal", _("Internal referral")


class ClinicalArea(models.TextChoices):
    SOMATIC = "somatic", _("Somatic")
    PSYCHIATRIC = "psychiatric", _("Psychiatric")


class ReferralEventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    CHANGED = "changed", _("Changed")
    ATTACHMENT = "attachment", _("Attachment added")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    REDIRECTED = "redirected", _("Redirected")


class Decision(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    REJECT = "reject", _("Reject")
    REDIRECT = "redirect", _("Redirect to another unit")


class DayUnit(models.TextChoices):
    WORKING = "working", _("working days")
    CALENDAR = "calendar", _("calendar days")


class AppliesWhen(models.TextChoices):
    """Which referrals a rule's row is for (one rule code may have a row per kind)."""

    ANY = "any", _("All referrals")
    SOMATIC = "somatic", _("Somatic")
    PSYCHIATRIC = "psychiatric", _("Psychiatric")


# A rule's clock starts at the referral's receipt, or at the first marker with this code.
STARTS_FROM_REFERRAL = "referral"


class DeadlineState(models.TextChoices):
    """Stored state; "breached" and "paused" are read from the dates (selectors)."""

    OPEN = "open", _("Running")
    MET = "met", _("Met")
    CANCELLED = "cancelled", _("No longer applies")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class TaskPriority(models.IntegerChoices):
    # The same numbers as the work queue's priorities (klinik/core/worklist.py).
    LOW = 0, _("Low")
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")
    ACUTE = 3, _("Acute")


TASK_SOURCE_MANUAL = "manual"
