from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasingConfig(AppConfig):
    name = "klinik.purchasing"
    label = "purchasing"
    verbose_name = _("Purchasing and stock")

    def ready(self) -> None:
        from klinik.core.hooks import hook_register
        from klinik.core.worklist import WORK_KINDS
        from klinik.purchasing.services import vaccination_draw
        from klinik.purchasing.work import STOCK_KIND
        from klinik.records.hooks import VACCINATION_RECORDED

        # A vaccination given from a lot in stock draws one unit from it.
        hook_register(VACCINATION_RECORDED, vaccination_draw)
        # The work queue: lots expiring within 30 days, products to reorder.
        hook_register(WORK_KINDS, STOCK_KIND)
