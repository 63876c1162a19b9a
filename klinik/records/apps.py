from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "klinik.records"
    label = "records"
    verbose_name = _("Records")

    def ready(self) -> None:
        from klinik.core.hooks import hook_register
        from klinik.core.worklist import WORK_KINDS
        from klinik.patients.hooks import CARE_RELATION
        from klinik.records import patient_parts
        from klinik.records.contacts import contact_care_relation, contact_follow_appointment
        from klinik.records.dictation.work import DICTATION_KIND
        from klinik.records.journal.work import SIGNING_KIND
        from klinik.scheduling.hooks import APPOINTMENT_STATUS

        hook_register(APPOINTMENT_STATUS, contact_follow_appointment)
        hook_register(CARE_RELATION, contact_care_relation)
        hook_register(WORK_KINDS, DICTATION_KIND)
        hook_register(WORK_KINDS, SIGNING_KIND)
        patient_parts.register()
