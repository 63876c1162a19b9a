from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    VIEW = "view", _("Viewed")
    SEARCH = "search", _("Searched")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    EXPORT = "export", _("Exported")
    PRINT = "print", _("Printed")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOCKOUT = "lockout", _("Account locked")
    LOGOUT = "logout", _("Logged out")
    STAFF_CHANGE = "staff_change", _("Staff changed")
    TOKEN_CREATE = "token_create", _("API token created")
    PASSWORD_CHANGE = "password_change", _("Password changed")
    SETUP_CHANGE = "setup_change", _("Setup changed")


class Purpose(models.TextChoices):
    TREATMENT = "treatment", _("Current treatment")
    ADMINISTRATION = "administration", _("Administration")
    PATIENT_REQUEST = "patient_request", _("Patient's own request")
    QUALITY = "quality", _("Quality assurance")
    BREAK_GLASS = "break_glass", _("Break the glass")
    SECURITY = "security", _("Security")


class Channel(models.TextChoices):
    UI = "ui", _("Screen")
    API = "api", _("REST API")
    FHIR = "fhir", _("FHIR")
    CLI = "cli", _("Console")
    TASK = "task", _("Background task")


class ReviewOutcome(models.TextChoices):
    JUSTIFIED = "justified", _("Justified")
    UNJUSTIFIED = "unjustified", _("Not justified")
