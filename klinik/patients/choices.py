from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class IdentifierKind(models.TextChoices):
    CPR = "cpr", _("CPR number")
    X_ECPR = "x_ecpr", _("National replacement number (X-eCPR)")
    D_ECPR = "d_ecpr", _("Local replacement number (D-eCPR)")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class ContactChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    DIGITAL_POST = "digital_post", _("Digital Post")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone")


class InsuranceGroup(models.IntegerChoices):
    GROUP_1 = 1, _("Group 1")
    GROUP_2 = 2, _("Group 2")


class RelativeRelation(models.TextChoices):
    SPOUSE = "spouse", _("Spouse or partner")
    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")
    SIBLING = "sibling", _("Sibling")
    GUARDIAN = "guardian", _("Guardian")
    OTHER = "other", _("Other")


class PatientStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged into another record")


# The languages a patient may prefer (the record stores the code).
LANGUAGE_CHOICES: list[tuple[str, str | Promise]] = [
    ("da", _("Danish")),
    ("en", _("English")),
    ("de", _("German")),
    ("sv", _("Swedish")),
    ("no", _("Norwegian")),
    ("pl", _("Polish")),
    ("uk", _("Ukrainian")),
    ("ar", _("Arabic")),
    ("tr", _("Turkish")),
    ("so", _("Somali")),
    ("fa", _("Persian")),
    ("ur", _("Urdu")),
]
