from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "klinik.api"
    label = "api"
    verbose_name = "REST API"
