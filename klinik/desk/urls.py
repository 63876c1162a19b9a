from django.urls import path

from klinik.desk import views

urlpatterns = [
    path("", views.home_view, name="home"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("keepalive/", views.keepalive_view, name="keepalive"),
    path("shortcuts/", views.shortcuts_view, name="shortcuts"),
    path(
        "access-log/break-glass/<int:seq>/review/",
        views.break_glass_review_view,
        name="break_glass_review",
    ),
]
