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
        from klinik.pathways.task_work import TASK_KIND

        patient_parts.register()
        hook_register(WORK_KINDS, TASK_KIND)
