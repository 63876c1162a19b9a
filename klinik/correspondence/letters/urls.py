from django.urls import path

from klinik.correspondence.letters import views
from klinik.correspondence.letters.batch import views as batch_views

urlpatterns = [
    path("templates/", views.letter_templates_view, name="letter_templates"),
    path("batch/", batch_views.letter_batch_new_view, name="letter_batch_new"),
    path("batch/<uuid:public_id>/", batch_views.letter_batch_view, name="letter_batch"),
    path("patient/<uuid:public_id>/", views.patient_letters_view, name="patient_letters"),
    path("<uuid:public_id>/", views.letter_detail_view, name="letter_detail"),
    path("<uuid:public_id>/pdf/", views.letter_pdf_view, name="letter_pdf"),
    path("<uuid:public_id>/send/", views.letter_send_view, name="letter_send"),
]
