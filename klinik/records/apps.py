from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "klinik.records"
    label = "records"
    verbose_name = _("Records")

    def ready(self) -> None:
        from klinik.patients.access import on_care_relation
        from klinik.records.contacts import contact_care_relation, contact_follow_appointment
        from klinik.scheduling.hooks import on_appointment_status

        on_appointment_status(contact_follow_appointment)
        on_care_relation(contact_care_relation)
