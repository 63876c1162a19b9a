from django.urls import path

from klinik.correspondence.messages import views

urlpatterns = [
    path("", views.care_message_list_view, name="care_message_list"),
    path("partners/", views.partner_list_view, name="partner_list"),
    path(
        "patient/<uuid:public_id>/",
        views.patient_care_messages_view,
        name="patient_care_messages",
    ),
    path(
        "dictation/<uuid:public_id>/copy-to-gp/",
        views.dictation_copy_to_gp_view,
        name="dictation_copy_to_gp",
    ),
    path("<uuid:public_id>/", views.care_message_view, name="care_message"),
    path("<uuid:public_id>/reply/", views.care_message_reply_view, name="care_message_reply"),
    path("<uuid:public_id>/forward/", views.care_message_forward_view, name="care_message_forward"),
    path("<uuid:public_id>/match/", views.care_message_match_view, name="care_message_match"),
    path("<uuid:public_id>/resend/", views.care_message_resend_view, name="care_message_resend"),
    path("<uuid:public_id>/fhir/", views.care_message_fhir_view, name="care_message_fhir"),
    path(
        "<uuid:public_id>/attachments/<int:number>/",
        views.care_message_attachment_view,
        name="care_message_attachment",
    ),
]
