from django.urls import path

from klinik.reporting.dashboards import views

urlpatterns = [
    path("", views.dashboard_home_view, name="quality_home"),
    path("<uuid:unit_id>/", views.dashboard_view, name="quality_dashboard"),
    path("<uuid:unit_id>/export.xlsx", views.dashboard_export_view, name="quality_export"),
]
