from django.urls import path

from klinik.correspondence.econsult import views

urlpatterns = [
    path("", views.patient_message_list_view, name="patient_message_list"),
    path("patient/<uuid:public_id>/", views.patient_messages_view, name="patient_messages"),
    path("<uuid:public_id>/", views.patient_message_detail_view, name="patient_message_detail"),
    path(
        "<uuid:public_id>/renewal/",
        views.patient_message_renewal_view,
        name="patient_message_renewal",
    ),
]
