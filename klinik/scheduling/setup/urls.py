from django.urls import path

from klinik.scheduling.setup import views

urlpatterns = [
    path("resources/", views.setup_resources_view, name="setup_resources"),
    path("resources/add/", views.setup_resource_add_view, name="setup_resource_add"),
    path("resources/<uuid:public_id>/", views.setup_resource_edit_view, name="setup_resource"),
    path("resources/<uuid:public_id>/hours/", views.setup_hours_view, name="setup_hours"),
    path("resources/<uuid:public_id>/absences/", views.setup_absences_view, name="setup_absences"),
    path(
        "absences/<uuid:public_id>/appointments/",
        views.setup_absence_bookings_view,
        name="setup_absence_bookings",
    ),
    path(
        "absences/<uuid:public_id>/delete/",
        views.setup_absence_delete_view,
        name="setup_absence_delete",
    ),
    path("closing-days/", views.setup_closing_days_view, name="setup_closing_days"),
]
