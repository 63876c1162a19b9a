from django.urls import path

from klinik.patients import views

urlpatterns = [
    path("new/", views.patient_create_view, name="patient_create"),
    path("cpr-check/", views.cpr_check_view, name="patient_cpr_check"),
    path("postal-code/", views.postal_code_view, name="patient_postal_code"),
    path("merges/", views.patient_merges_view, name="patient_merges"),
    path("merges/<uuid:merge_id>/undo/", views.patient_merge_undo_view, name="patient_merge_undo"),
    path("<uuid:public_id>/contact/", views.patient_contact_view, name="patient_contact"),
    path(
        "<uuid:public_id>/address/",
        views.patient_reveal_address_view,
        name="patient_reveal_address",
    ),
    path("<uuid:public_id>/relatives/", views.relative_add_view, name="patient_relative_add"),
    path(
        "<uuid:public_id>/relatives/<uuid:relative_id>/remove/",
        views.relative_remove_view,
        name="patient_relative_remove",
    ),
    path("<uuid:public_id>/number/", views.patient_change_number_view, name="patient_number"),
    path("<uuid:public_id>/restriction/", views.patient_restrict_view, name="patient_restrict"),
    path("<uuid:public_id>/merge/", views.patient_merge_view, name="patient_merge"),
    path(
        "<uuid:public_id>/export.<str:fmt>",
        views.patient_export_view,
        name="patient_export",
    ),
    path(
        "<uuid:public_id>/break-glass/",
        views.patient_break_glass_view,
        name="patient_break_glass",
    ),
    path(
        "<uuid:public_id>/access-log/",
        views.patient_access_report_view,
        name="patient_access_report",
    ),
]
