from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CorrespondenceConfig(AppConfig):
    name = "klinik.correspondence"
    label = "correspondence"
    verbose_name = _("Correspondence")

    def ready(self) -> None:
        # Scheduling may not import correspondence (it sits below): hand it the outbox here.
        from klinik.core.hooks import hook_register
        from klinik.core.worker import PERIODIC_TASKS
        from klinik.core.worklist import WORK_KINDS
        from klinik.correspondence import patient_parts
        from klinik.correspondence.appointments import (
            appointment_notice_route,
            appointment_outbox,
            waitlist_message_queue,
        )
        from klinik.correspondence.letters.incoming.work import INCOMING_KIND
        from klinik.correspondence.letters.work import LETTER_KIND
        from klinik.correspondence.messages.services import dictation_copies_on_signing
        from klinik.correspondence.messages.work import MEDCOM_KIND
        from klinik.correspondence.services import outbox_sweep_schedule
        from klinik.correspondence.work import OUTBOX_KIND
        from klinik.records.hooks import DICTATION_DONE
        from klinik.scheduling import reminders
        from klinik.scheduling.hooks import NOTICE_ROUTE, WAITLIST_MESSAGE

        reminders.connect(appointment_outbox)
        hook_register(NOTICE_ROUTE, appointment_notice_route)
        hook_register(WAITLIST_MESSAGE, waitlist_message_queue)
        hook_register(PERIODIC_TASKS, outbox_sweep_schedule)
        hook_register(WORK_KINDS, OUTBOX_KIND)
        hook_register(WORK_KINDS, MEDCOM_KIND)
        hook_register(WORK_KINDS, LETTER_KIND)
        hook_register(WORK_KINDS, INCOMING_KIND)
        hook_register(DICTATION_DONE, dictation_copies_on_signing)
        patient_parts.register()
