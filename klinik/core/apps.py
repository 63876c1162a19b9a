from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "klinik.core"
    label = "core"
    verbose_name = _("Organisations and users")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from klinik.core import checks  # noqa: F401  (registers system checks)
        from klinik.core.db import fast_timestamps

        connection_created.connect(fast_timestamps, dispatch_uid="klinik.fast_timestamps")
