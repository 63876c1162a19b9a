from django.urls import include, path

from klinik.desk import views

urlpatterns = [
    path("", views.home_view, name="home"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("keepalive/", views.keepalive_view, name="keepalive"),
    path("arbejdsliste/", include("klinik.desk.worklist.urls")),
    path("opgaver/", include("klinik.desk.tasks.urls")),
    path("daekning/", include("klinik.desk.cover.urls")),
    path("patients/", views.patient_search_view, name="patient_search"),
    path("patients/<uuid:public_id>/", views.patient_page_view, name="patient_detail"),
    path("setup/", views.setup_view, name="setup"),
    path("shortcuts/", views.shortcuts_view, name="shortcuts"),
    path(
        "access-log/break-glass/<int:seq>/review/",
        views.break_glass_review_view,
        name="break_glass_review",
    ),
]
