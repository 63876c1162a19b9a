from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "klinik.audit"
    label = "audit"
    verbose_name = _("Access log")

    def ready(self) -> None:
        from klinik.audit import checks  # noqa: F401  (registers system checks)
