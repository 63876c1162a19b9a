from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "klinik.scheduling"
    label = "scheduling"
    verbose_name = _("Scheduling and reception")

    def ready(self) -> None:
        from klinik.patients.access import on_care_relation
        from klinik.scheduling.access import appointment_care_relation

        on_care_relation(appointment_care_relation)
