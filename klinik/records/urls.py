"""The record's screens. Each area keeps its own routes; this module only gathers them."""

from django.urls import include, path

urlpatterns = [
    path("", include("klinik.records.journal.urls")),
    path("", include("klinik.records.clinical.urls")),
    path("", include("klinik.records.documents.urls")),
    path("", include("klinik.records.dictation.urls")),
]
