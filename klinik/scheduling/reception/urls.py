from django.urls import path

from klinik.scheduling.reception import views

urlpatterns = [
    path("", views.reception_home_view, name="reception_home"),
    path("community/", views.reception_community_view, name="reception_community"),
    path("<uuid:unit_id>/", views.reception_board_view, name="reception_board"),
    path("<uuid:unit_id>/check-in/", views.reception_check_in_view, name="reception_check_in"),
    path(
        "<uuid:unit_id>/appointments/<uuid:appointment_id>/status/",
        views.reception_status_view,
        name="reception_status",
    ),
    path(
        "<uuid:unit_id>/appointments/<uuid:appointment_id>/contact/",
        views.reception_contact_view,
        name="reception_contact",
    ),
    path(
        "<uuid:unit_id>/walk-in/search/",
        views.reception_walk_in_search_view,
        name="reception_walk_in_search",
    ),
    path("<uuid:unit_id>/walk-in/", views.reception_walk_in_view, name="reception_walk_in"),
    path(
        "<uuid:unit_id>/waiting-room/",
        views.reception_waiting_room_view,
        name="reception_waiting_room",
    ),
]
