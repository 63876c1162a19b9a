from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageKind(models.TextChoices):
    # The values of scheduling's NoticeKind (a test keeps them in step).
    CONFIRMATION = "confirmation", _("Confirmation")
    MOVED = "moved", _("Moved")
    CANCELLED = "cancelled", _("Cancellation")
    REMINDER = "reminder", _("Reminder")
    # The waiting list's offer of a free time, and the word that another patient took it.
    WAITLIST_OFFER = "waitlist_offer", _("Waiting list offer")
    WAITLIST_TAKEN = "waitlist_taken", _("Waiting list: time taken")
    # A prescription renewal decided, and the answer to a patient's message (issue 15).
    RENEWAL_APPROVED = "renewal_approved", _("Prescription renewed")
    RENEWAL_DECLINED = "renewal_declined", _("Prescription renewal declined")
    MESSAGE_ANSWERED = "message_answered", _("Answer to a message")


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    HELD = "held", _("Held (quiet hours)")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    SKIPPED = "skipped", _("Not sent")


# Waiting for their time: the only states a delivery task may take a message from.
PENDING_STATUSES = (MessageStatus.QUEUED, MessageStatus.HELD)


class MessageReason(models.TextChoices):
    """Why a message was not sent."""

    NO_CHANNEL = "no_channel", _("No consent to SMS or e-mail, or no number or address")
    DECEASED = "deceased", _("The patient has died")
    RESTRICTED = "restricted", _("Processing is restricted")
    SUPERSEDED = "superseded", _("Replaced by a newer message")
    OUTDATED = "outdated", _("The appointment has changed since")
    NOT_NOTIFIED = "not_notified", _("Staff chose not to notify the patient")
