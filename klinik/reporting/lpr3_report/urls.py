from django.urls import path

from klinik.reporting.lpr3_report import views

urlpatterns = [
    path("", views.error_list_view, name="lpr3_errors"),
    path(
        "patients/<uuid:public_id>/revalidate/",
        views.patient_revalidate_view,
        name="lpr3_patient_revalidate",
    ),
    path("patients/<uuid:public_id>/send/", views.patient_send_view, name="lpr3_patient_send"),
]
