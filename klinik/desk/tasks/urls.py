"""The task screens' routes. Tasks appear by public id only."""

from django.urls import path

from klinik.desk.tasks import views

urlpatterns = [
    path("ny/", views.task_create_view, name="task_create"),
    path("<uuid:task_id>/", views.task_detail_view, name="task_detail"),
    path("<uuid:task_id>/<slug:action>/", views.task_action_view, name="task_action"),
]
