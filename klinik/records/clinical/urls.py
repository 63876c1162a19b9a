"""Routes of the clinical tabs: coding (diagnoses, procedures, problems, warnings),
measurements, vaccinations and the vaccination-register export. No patient data in paths:
codes, values and reasons are POSTed."""

from django.urls import path

from klinik.records.clinical import chart_views, views

urlpatterns = [
    path("patients/<uuid:public_id>/record/coding/", views.coding_view, name="record_coding"),
    path(
        "patients/<uuid:public_id>/record/measurements/",
        chart_views.measurements_view,
        name="record_measurements",
    ),
    path(
        "patients/<uuid:public_id>/record/vaccinations/",
        chart_views.vaccinations_view,
        name="record_vaccinations",
    ),
    path(
        "patients/<uuid:public_id>/record/problems/",
        views.problem_add_view,
        name="record_problem_add",
    ),
    path(
        "patients/<uuid:public_id>/record/warnings/",
        views.warning_add_view,
        name="record_warning_add",
    ),
    path("record/coding/search/<str:kind>/", views.code_search_view, name="record_code_search"),
    path(
        "record/coding/contacts/<uuid:contact_id>/diagnoses/",
        views.diagnosis_add_view,
        name="record_diagnosis_add",
    ),
    path(
        "record/coding/contacts/<uuid:contact_id>/diagnoses/remove/",
        views.diagnosis_remove_view,
        name="record_diagnosis_remove",
    ),
    path(
        "record/coding/contacts/<uuid:contact_id>/procedures/",
        views.procedure_add_view,
        name="record_procedure_add",
    ),
    path(
        "record/coding/contacts/<uuid:contact_id>/procedures/remove/",
        views.procedure_remove_view,
        name="record_procedure_remove",
    ),
    path(
        "record/coding/contacts/<uuid:contact_id>/lpr/",
        views.contact_lpr_view,
        name="record_contact_lpr",
    ),
    path(
        "record/coding/contacts/<uuid:contact_id>/stays/",
        views.contact_stay_add_view,
        name="record_contact_stay_add",
    ),
    path(
        "record/coding/contacts/<uuid:contact_id>/stays/remove/",
        views.contact_stay_remove_view,
        name="record_contact_stay_remove",
    ),
    path(
        "record/problems/<uuid:problem_id>/<str:action>/",
        views.problem_status_view,
        name="record_problem_status",
    ),
    path(
        "record/warnings/<uuid:warning_id>/inactivate/",
        views.warning_inactivate_view,
        name="record_warning_inactivate",
    ),
    path(
        "record/measurements/<uuid:measurement_id>/error/",
        chart_views.measurement_error_view,
        name="record_measurement_error",
    ),
    path(
        "record/vaccinations/<uuid:vaccination_id>/error/",
        chart_views.vaccination_error_view,
        name="record_vaccination_error",
    ),
    path(
        "record/vaccination-reports/",
        chart_views.vaccination_reports_view,
        name="vaccination_reports",
    ),
    path(
        "record/vaccination-reports/<uuid:batch>.<str:fmt>",
        chart_views.vaccination_report_download_view,
        name="vaccination_report_download",
    ),
]
