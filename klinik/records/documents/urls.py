"""The documents tab and the stored files. Patients and documents appear by public id only."""

from django.urls import path

from klinik.records.documents import views

urlpatterns = [
    path(
        "patients/<uuid:public_id>/record/documents/",
        views.record_documents_view,
        name="record_documents",
    ),
    path(
        "documents/<uuid:document_id>/content/",
        views.document_content_view,
        name="document_content",
    ),
]
