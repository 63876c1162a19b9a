from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "klinik.staff"
    label = "staff"
    verbose_name = _("Staff, competences, courses and delegations")

    def ready(self) -> None:
        from klinik.core.hooks import DELEGATED_ACT_CHECKS, hook_register
        from klinik.staff.delegation import delegated_act_allowed

        # Records asks before it writes a vaccination (docs/adr/0025).
        hook_register(DELEGATED_ACT_CHECKS, delegated_act_allowed)
