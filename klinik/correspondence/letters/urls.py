from django.urls import path

from klinik.correspondence.letters import views
from klinik.correspondence.letters.batch import views as batch_views
from klinik.correspondence.letters.incoming import views as incoming_views

urlpatterns = [
    path("templates/", views.letter_templates_view, name="letter_templates"),
    path("batch/", batch_views.letter_batch_new_view, name="letter_batch_new"),
    path("batch/<uuid:public_id>/", batch_views.letter_batch_view, name="letter_batch"),
    path("indgaaende/", incoming_views.incoming_letters_view, name="incoming_letters"),
    path(
        "indgaaende/<uuid:public_id>/", incoming_views.incoming_letter_view, name="incoming_letter"
    ),
    path(
        "indgaaende/<uuid:public_id>/fil/",
        incoming_views.incoming_letter_content_view,
        name="incoming_letter_content",
    ),
    path(
        "indgaaende/<uuid:public_id>/match/",
        incoming_views.incoming_letter_match_view,
        name="incoming_letter_match",
    ),
    path(
        "indgaaende/<uuid:public_id>/journaliser/",
        incoming_views.incoming_letter_file_view,
        name="incoming_letter_file",
    ),
    path("patient/<uuid:public_id>/", views.patient_letters_view, name="patient_letters"),
    path("<uuid:public_id>/", views.letter_detail_view, name="letter_detail"),
    path("<uuid:public_id>/pdf/", views.letter_pdf_view, name="letter_pdf"),
    path("<uuid:public_id>/send/", views.letter_send_view, name="letter_send"),
    path("dictation/<uuid:public_id>/", views.dictation_letter_view, name="dictation_letter"),
]
