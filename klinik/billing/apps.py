from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "klinik.billing"
    label = "billing"
    verbose_name = _("Invoices, payments and prices")

    def ready(self) -> None:
        from klinik.billing import patient_parts

        patient_parts.register()
