from django.urls import path

from klinik.scheduling.types import views

urlpatterns = [
    path("", views.types_view, name="setup_types"),
    path("add/", views.type_add_view, name="setup_type_add"),
    path("<uuid:public_id>/", views.type_edit_view, name="setup_type_edit"),
]
