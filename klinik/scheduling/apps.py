from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "klinik.scheduling"
    label = "scheduling"
    verbose_name = _("Scheduling and reception")

    def ready(self) -> None:
        from klinik.core.hooks import hook_register
        from klinik.patients.hooks import CARE_RELATION
        from klinik.scheduling import patient_parts
        from klinik.scheduling.access import appointment_care_relation

        hook_register(CARE_RELATION, appointment_care_relation)
        patient_parts.register()
