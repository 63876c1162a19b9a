from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    GENERAL_PRACTICE = "general_practice", _("General practice")
    SPECIALIST_PRACTICE = "specialist_practice", _("Specialist practice")
    THERAPY_CLINIC = "therapy_clinic", _("Therapy clinic")
    ALTERNATIVE_CLINIC = "alternative_clinic", _("Alternative treatment clinic")
    HOSPITAL = "hospital", _("Hospital")


class UnitKind(models.TextChoices):
    CLINIC = "clinic", _("Clinic")
    DEPARTMENT = "department", _("Department")
    OUTPATIENT = "outpatient", _("Outpatient clinic")
    LOCATION = "location", _("Location")
    TEAM = "team", _("Team")


class Role(models.TextChoices):
    SECRETARY = "secretary", _("Medical secretary")
    HEALTH_SERVICE_SECRETARY = "health_service_secretary", _("Health service secretary")
    DOCTOR = "doctor", _("Doctor")
    NURSE = "nurse", _("Nurse")
    THERAPIST = "therapist", _("Therapist")
    LAB_TECHNICIAN = "lab_technician", _("Lab technician")
    MANAGER = "manager", _("Manager")
    APPRENTICE = "apprentice", _("Apprentice")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
