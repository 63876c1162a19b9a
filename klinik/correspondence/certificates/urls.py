from django.urls import path

from klinik.correspondence.certificates import views

urlpatterns = [
    path("", views.certificate_list_view, name="certificate_list"),
    path("patient/<uuid:public_id>/", views.patient_certificates_view, name="patient_certificates"),
    path("<uuid:public_id>/", views.certificate_detail_view, name="certificate_detail"),
    path("<uuid:public_id>/send/", views.certificate_send_view, name="certificate_send"),
    path("<uuid:public_id>/cancel/", views.certificate_cancel_view, name="certificate_cancel"),
]
