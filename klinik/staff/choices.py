from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """A person's level in a competence (issue 17: begynder, rutineret, erfaren, ekspert)."""

    BEGINNER = "beginner", _("Beginner")
    ROUTINED = "routined", _("Routined")
    EXPERIENCED = "experienced", _("Experienced")
    EXPERT = "expert", _("Expert")


class DelegatedTask(models.TextChoices):
    """Tasks in a doctor's reserved area that may be delegated (autorisationsloven § 17)."""

    VACCINATION = "vaccination", _("Vaccination")
    BLOOD_SAMPLING = "blood_sampling", _("Blood sampling")
    INJECTION = "injection", _("Injection")
    ECG = "ecg", _("ECG")
    SPIROMETRY = "spirometry", _("Spirometry")


# Never delegable (BEK 1219/2009, docs/domain §7.4): named so the refusal can say so.
NOT_DELEGABLE = frozenset(
    {"prescribing", "prescription", "death_certificate", "statement", "coercion"}
)


class DelegationKind(models.TextChoices):
    FRAMEWORK = "framework", _("Framework delegation (rammedelegation)")
    CONCRETE = "concrete", _("Concrete delegation")


class TrainingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Profession(models.TextChoices):
    MEDICAL_SECRETARY = "medical_secretary", _("Medical secretary (lægesekretær)")
    HEALTH_SERVICE_SECRETARY = (
        "health_service_secretary",
        _("Health service secretary (sundhedsservicesekretær)"),
    )
    NURSE = "nurse", _("Nurse (sygeplejerske)")
    DOCTOR = "doctor", _("Doctor (læge)")
    PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist (fysioterapeut)")
    APPRENTICE = "apprentice", _("Apprentice (elev)")
    OTHER = "other", _("Other")


class PeriodKind(models.TextChoices):
    """The periods of a vocational education (EUD): at school and in practice."""

    SCHOOL = "school", _("School period")
    PRACTICE = "practice", _("Practice period")
