from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ContactKind(models.TextChoices):
    """How the patient and the clinic met (the SKS contact types ALCA00/ALCA03 …)."""

    PHYSICAL = "physical", _("Physical attendance")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")
    WRITTEN = "written", _("Written")


# LPR3's codes for the defaults (SKS admin.konttype, admin.prioritet).
LPR_TYPE_PHYSICAL = "ALCA00"  # fysisk fremmøde
LPR_TYPE_VIRTUAL = "ALCA03"  # virtuel kontakt
LPR_PRIORITY_ACUTE = "ATA1"
LPR_PRIORITY_PLANNED = "ATA3"
# The code prefixes of the value lists the contact's LPR fields choose from.
LPR_TYPE_PREFIX, LPR_PRIORITY_PREFIX, LPR_REASON_PREFIX = "ALCA", "ATA", "ALCC"


class EntryType(models.TextChoices):
    NOTE = "note", _("Consultation note")
    PHONE = "phone", _("Phone note")
    DICTATION = "dictation", _("Dictation transcript")
    MEASUREMENT = "measurement", _("Measurement")
    LAB = "lab", _("Lab result")
    LETTER_IN = "letter_in", _("Letter in")
    LETTER_OUT = "letter_out", _("Letter out")


class DiagnosisKind(models.TextChoices):
    MAIN = "main", _("Main diagnosis")  # aktionsdiagnose
    SECONDARY = "secondary", _("Secondary diagnosis")  # bidiagnose


class ProblemStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RESOLVED = "resolved", _("Resolved")


class WarningKind(models.TextChoices):
    CAVE = "cave", _("CAVE")
    ALLERGY = "allergy", _("Allergy")
    OTHER = "other", _("Other warning")


class WarningSeverity(models.TextChoices):
    LOW = "low", _("Low")
    HIGH = "high", _("High")
    LIFE_THREATENING = "life_threatening", _("Life-threatening")


class MeasurementKind(models.TextChoices):
    HEIGHT = "height", _("Height")
    WEIGHT = "weight", _("Weight")
    BLOOD_PRESSURE = "blood_pressure", _("Blood pressure")
    PULSE = "pulse", _("Pulse")
    TEMPERATURE = "temperature", _("Temperature")
    WAIST = "waist", _("Waist")


class VaccinationSite(models.TextChoices):
    LEFT_DELTOID = "left_deltoid", _("Left upper arm")
    RIGHT_DELTOID = "right_deltoid", _("Right upper arm")
    LEFT_THIGH = "left_thigh", _("Left thigh")
    RIGHT_THIGH = "right_thigh", _("Right thigh")
    ORAL = "oral", _("Oral")
    NASAL = "nasal", _("Nasal")
    OTHER = "other", _("Other")


class DictationPriority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class DictationStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    IN_PROGRESS = "in_progress", _("Being transcribed")
    FOR_SIGNING = "for_signing", _("Sent for signing")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", pgettext_lazy("dictation", "Cancelled")


class DocumentKind(models.TextChoices):
    PDF = "pdf", _("PDF")
    IMAGE = "image", _("Image")
    AUDIO = "audio", _("Audio")


class PhraseScope(models.TextChoices):
    """Who a phrase is for: the writer alone, the unit, or the whole organisation."""

    PERSONAL = "personal", _("Only me")
    UNIT = "unit", _("The unit")
    ORGANISATION = "organisation", _("The whole organisation")
