from django.urls import include, path

from klinik.reporting import views

urlpatterns = [
    path("retention/", views.retention_report_view, name="retention_report"),
    path("retention/export.csv", views.retention_export_view, name="retention_export"),
    path("lpr3/", include("klinik.reporting.lpr3_report.urls")),
    path("drg/", include("klinik.reporting.drg.urls")),
    path("quality/", include("klinik.reporting.dashboards.urls")),
]
