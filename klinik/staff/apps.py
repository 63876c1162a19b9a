from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "klinik.staff"
    label = "staff"
    verbose_name = _("Staff, competences, courses and delegations")
