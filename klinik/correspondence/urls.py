from django.urls import path

from klinik.correspondence import views

urlpatterns = [
    path("", views.outbox_view, name="outbox"),
    path("<uuid:public_id>/", views.outbox_message_view, name="outbox_message"),
    path(
        "<uuid:public_id>/resend/", views.outbox_message_resend_view, name="outbox_message_resend"
    ),
]
