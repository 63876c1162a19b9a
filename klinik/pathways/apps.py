from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PathwaysConfig(AppConfig):
    name = "klinik.pathways"
    label = "pathways"
    verbose_name = _("Referrals, pathways, deadlines and tasks")

    def ready(self) -> None:
        from klinik.pathways import patient_parts

        patient_parts.register()
