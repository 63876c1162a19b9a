from django.urls import path

from klinik.scheduling.calendar import views

urlpatterns = [
    path("", views.calendar_day_view, name="calendar_day"),
    path("week/", views.calendar_week_view, name="calendar_week"),
    path("colours.css", views.calendar_colours_view, name="calendar_colours"),
    path("book/", views.calendar_book_view, name="calendar_book"),
    path("book/patients/", views.calendar_patient_search_view, name="calendar_patient_search"),
    path(
        "appointments/<uuid:public_id>/",
        views.calendar_appointment_view,
        name="calendar_appointment",
    ),
    path(
        "appointments/<uuid:public_id>/status/",
        views.calendar_appointment_status_view,
        name="calendar_appointment_status",
    ),
    path(
        "appointments/<uuid:public_id>/cancel/",
        views.calendar_appointment_cancel_view,
        name="calendar_appointment_cancel",
    ),
    path(
        "appointments/<uuid:public_id>/undo-booking/",
        views.calendar_appointment_undo_booking_view,
        name="calendar_appointment_undo_booking",
    ),
    path(
        "appointments/<uuid:public_id>/move/",
        views.calendar_appointment_move_view,
        name="calendar_appointment_move",
    ),
]
