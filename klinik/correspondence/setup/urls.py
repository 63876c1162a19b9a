from django.urls import path

from klinik.correspondence.setup import views

urlpatterns = [
    path("", views.templates_view, name="setup_templates"),
    path("edit/", views.template_edit_view, name="setup_template_edit"),
]
