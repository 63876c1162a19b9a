from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PathwaysConfig(AppConfig):
    name = "klinik.pathways"
    label = "pathways"
    verbose_name = _("Referrals, pathways, deadlines and tasks")

    def ready(self) -> None:
        from klinik.core.hooks import hook_register
        from klinik.core.worklist import WORK_KINDS
        from klinik.pathways import patient_parts
        from klinik.pathways.access import pathway_care_relation
        from klinik.pathways.pathway_services import pathway_booking_link
        from klinik.pathways.task_work import TASK_KIND
        from klinik.pathways.worklist import DEADLINE_KIND, REFERRAL_KIND
        from klinik.patients.hooks import CARE_RELATION
        from klinik.scheduling.hooks import APPOINTMENT_CHANGED

        patient_parts.register()
        # A referral or pathway at a unit is care there: its staff may open the patient.
        hook_register(CARE_RELATION, pathway_care_relation)
        # A booking for a patient with an open pathway at the unit goes on the pathway.
        hook_register(APPOINTMENT_CHANGED, pathway_booking_link)
        # The work queue: referrals waiting for visitation, deadlines coming up and breached.
        hook_register(WORK_KINDS, REFERRAL_KIND)
        hook_register(WORK_KINDS, DEADLINE_KIND)
        hook_register(WORK_KINDS, TASK_KIND)
