from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "klinik.demo"
    label = "demo"
    verbose_name = "Demo clinic"
