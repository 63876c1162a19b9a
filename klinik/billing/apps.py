from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "klinik.billing"
    label = "billing"
    verbose_name = _("Invoices, payments and prices")

    def ready(self) -> None:
        from klinik.billing import patient_parts
        from klinik.billing.fees.services import fee_suggest_for_contact
        from klinik.billing.fees.work import FEE_KIND
        from klinik.core.hooks import hook_register
        from klinik.core.worklist import WORK_KINDS
        from klinik.records.hooks import CONTACT_CLOSED

        patient_parts.register()
        # The work queue: a unit's day of fees waiting for approval.
        hook_register(WORK_KINDS, FEE_KIND)
        # A contact closed: its fee (ydelse) suggested for approval.
        hook_register(CONTACT_CLOSED, fee_suggest_for_contact)
