from django.urls import path

from klinik.reporting import views

urlpatterns = [
    path("retention/", views.retention_report_view, name="retention_report"),
    path("retention/export.csv", views.retention_export_view, name="retention_export"),
]
