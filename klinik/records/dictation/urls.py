"""The dictation queue's routes. Patients and dictations appear by public id only."""

from django.urls import path

from klinik.records.dictation import views

urlpatterns = [
    path(
        "patients/<uuid:public_id>/record/dictations/new/",
        views.dictation_create_view,
        name="dictation_create",
    ),
    path("dictation/", views.dictation_queue_view, name="dictation_queue"),
    path("dictation/<uuid:dictation_id>/", views.dictation_work_view, name="dictation_work"),
    path("dictation/<uuid:dictation_id>/take/", views.dictation_take_view, name="dictation_take"),
    path("dictation/<uuid:dictation_id>/text/", views.dictation_text_view, name="dictation_text"),
    path("dictation/<uuid:dictation_id>/send/", views.dictation_send_view, name="dictation_send"),
    path(
        "dictation/<uuid:dictation_id>/release/",
        views.dictation_release_view,
        name="dictation_release",
    ),
    path(
        "dictation/<uuid:dictation_id>/cancel/",
        views.dictation_cancel_view,
        name="dictation_cancel",
    ),
]
