from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "klinik.reporting"
    label = "reporting"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from klinik.core.hooks import hook_register
        from klinik.core.worklist import WORK_KINDS
        from klinik.records.hooks import CONTACT_CHANGED, CONTACT_CLOSED
        from klinik.reporting.lpr3_report import patient_parts
        from klinik.reporting.lpr3_report.jobs import lpr3_contact_changed, lpr3_contact_closed
        from klinik.reporting.lpr3_report.worklist import LPR3_ERROR_KIND

        hook_register(CONTACT_CHANGED, lpr3_contact_changed)
        hook_register(CONTACT_CLOSED, lpr3_contact_closed)
        hook_register(WORK_KINDS, LPR3_ERROR_KIND)
        patient_parts.register()
