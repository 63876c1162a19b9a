from django.urls import path

from klinik.patients import views

urlpatterns = [
    path("<uuid:public_id>/", views.patient_detail_view, name="patient_detail"),
    path(
        "<uuid:public_id>/break-glass/",
        views.patient_break_glass_view,
        name="patient_break_glass",
    ),
    path(
        "<uuid:public_id>/access-log/",
        views.patient_access_report_view,
        name="patient_access_report",
    ),
]
