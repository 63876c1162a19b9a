from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CorrespondenceConfig(AppConfig):
    name = "klinik.correspondence"
    label = "correspondence"
    verbose_name = _("Correspondence")

    def ready(self) -> None:
        # Scheduling may not import correspondence (it sits below): hand it the outbox here.
        from klinik.correspondence import patient_parts
        from klinik.correspondence.appointments import appointment_outbox
        from klinik.scheduling import reminders

        reminders.connect(appointment_outbox)
        patient_parts.register()
