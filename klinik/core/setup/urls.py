from django.urls import path

from klinik.core.setup import views

urlpatterns = [
    path("organisation/", views.organisation_view, name="setup_organisation"),
    path("organisation/logo/", views.organisation_logo_view, name="setup_organisation_logo"),
    path("units/", views.units_view, name="setup_units"),
    path("units/add/", views.unit_add_view, name="setup_unit_add"),
    path("units/<uuid:public_id>/", views.unit_edit_view, name="setup_unit_edit"),
]
