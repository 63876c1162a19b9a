from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "klinik.scheduling"
    label = "scheduling"
    verbose_name = _("Scheduling and reception")

    def ready(self) -> None:
        from klinik.core.hooks import hook_register
        from klinik.core.worker import PERIODIC_TASKS
        from klinik.core.worklist import WORK_KINDS
        from klinik.patients.hooks import CARE_RELATION
        from klinik.scheduling import patient_parts
        from klinik.scheduling.access import appointment_care_relation
        from klinik.scheduling.hooks import APPOINTMENT_CHANGED
        from klinik.scheduling.setup.work import ABSENCE_KIND
        from klinik.scheduling.tasks import waitlist_reoffer_schedule
        from klinik.scheduling.waitlist import waitlist_time_freed

        hook_register(CARE_RELATION, appointment_care_relation)
        # A cancelled or moved appointment's time is offered to the waiting list.
        hook_register(APPOINTMENT_CHANGED, waitlist_time_freed)
        # Offers that ran out unanswered: the time goes to the next on the list.
        hook_register(PERIODIC_TASKS, waitlist_reoffer_schedule)
        patient_parts.register()
        # Bookings left inside an absence or a closing wait on the desk's work queue.
        hook_register(WORK_KINDS, ABSENCE_KIND)
