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
        # Renewals, certificates and patients' messages (issue 15 items 5-7).
        from klinik.correspondence.certificates.patient_parts import CERTIFICATES
        from klinik.correspondence.certificates.work import CERTIFICATE_KIND
        from klinik.correspondence.econsult.patient_parts import PATIENT_MESSAGES
        from klinik.correspondence.econsult.work import PATIENT_MESSAGE_KIND
        from klinik.correspondence.renewals.patient_parts import RENEWALS
        from klinik.correspondence.renewals.work import RENEWAL_KIND
        from klinik.patients.hooks import PATIENT_PARTS

        hook_register(WORK_KINDS, RENEWAL_KIND)
        hook_register(WORK_KINDS, CERTIFICATE_KIND)
        hook_register(WORK_KINDS, PATIENT_MESSAGE_KIND)
        for part in (RENEWALS, CERTIFICATES, PATIENT_MESSAGES):
            hook_register(PATIENT_PARTS, part)
        patient_parts.register()
