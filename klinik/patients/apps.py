from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatientsConfig(AppConfig):
    name = "klinik.patients"
    label = "patients"
    verbose_name = _("Patients")

    def ready(self) -> None:
        from klinik.patients import checks, export  # noqa: F401  (parts and checks register)
