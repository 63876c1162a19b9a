from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "klinik.staff"
    label = "staff"
    verbose_name = _("Staff, competences, courses and delegations")

    def ready(self) -> None:
        from klinik.core.hooks import DELEGATED_ACT_CHECKS, hook_register
        from klinik.core.worklist import WORK_KINDS
        from klinik.staff.delegation import delegated_act_allowed
        from klinik.staff.instruction_work import INSTRUCTION_KIND
        from klinik.staff.training_work import TRAINING_KIND
        from klinik.staff.work import DELEGATION_KIND

        # Records asks before it writes a vaccination (docs/adr/0025).
        hook_register(DELEGATED_ACT_CHECKS, delegated_act_allowed)
        # The work queue: delegations to renew or review.
        hook_register(WORK_KINDS, DELEGATION_KIND)
        # Completed courses that expire (first aid): the managers renew them.
        hook_register(WORK_KINDS, TRAINING_KIND)
        # Instructions due for review: their owners (and the managers) review them.
        hook_register(WORK_KINDS, INSTRUCTION_KIND)
