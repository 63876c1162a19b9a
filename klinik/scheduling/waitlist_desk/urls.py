from django.urls import path

from klinik.scheduling.waitlist_desk import views

urlpatterns = [
    path("", views.waitlist_home_view, name="waitlist_home"),
    path("<uuid:unit_id>/", views.waitlist_list_view, name="waitlist_list"),
    path("<uuid:unit_id>/add/", views.waitlist_add_view, name="waitlist_add"),
    path("<uuid:unit_id>/offer/", views.waitlist_offer_view, name="waitlist_offer_time"),
    path(
        "<uuid:unit_id>/<uuid:entry_id>/close/",
        views.waitlist_close_view,
        name="waitlist_close",
    ),
]
