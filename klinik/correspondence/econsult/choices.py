from django.db import models
from django.utils.translation import gettext_lazy as _


class PatientMessageVia(models.TextChoices):
    """The adapter the message came through; the local one is the self-service form."""

    SELF_SERVICE = "self_service", _("Self-service page")


class PatientMessageStatus(models.TextChoices):
    NEW = "new", _("New")  # waits for a secretary to triage it
    TRIAGED = "triaged", _("With a clinician")  # waits for the clinician's answer
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed without answer")  # e.g. made a renewal request


OPEN_MESSAGE_STATUSES = (PatientMessageStatus.NEW, PatientMessageStatus.TRIAGED)
