"""Public pages (no login): online booking per unit, the patient's link, calendar feeds.

A unit's booking pages answer at its readable address (/book/laegehuset/) and, as before, at
its public id (/book/<uuid>/); links made here use the address. Anything else under /book/
gets the public "not found" page.

Included at the site root by config/urls.py. The feed's management page (login) sits beside
the feed itself.
"""

from django.urls import path

from klinik.scheduling.online import views

urlpatterns = [
    path("book/manage/<str:token>/", views.online_manage_view, name="online_manage"),
    path("book/manage/<str:token>/move/", views.online_move_view, name="online_move"),
    path("book/<str:unit_key>/", views.online_types_view, name="online_types"),
    path("book/<str:unit_key>/<uuid:type_id>/", views.online_slots_view, name="online_slots"),
    path(
        "book/<str:unit_key>/<uuid:type_id>/details/",
        views.online_details_view,
        name="online_details",
    ),
    path(
        "book/<str:unit_key>/<uuid:type_id>/confirm/",
        views.online_confirm_view,
        name="online_confirm",
    ),
    path("book/", views.online_not_found_view, {"rest": ""}),
    path("book/<path:rest>", views.online_not_found_view, name="online_not_found"),
    path("setup/online/", views.online_settings_view, name="setup_online"),
    path("venteliste/<str:token>/", views.waitlist_offer_view, name="waitlist_offer"),
    path("feeds/", views.calendar_feeds_view, name="feed_list"),
    path(
        "feeds/<uuid:resource_id>/rotate/",
        views.calendar_feed_rotate_view,
        name="feed_rotate",
    ),
    path(
        "feeds/<uuid:resource_id>/revoke/",
        views.calendar_feed_revoke_view,
        name="feed_revoke",
    ),
    path("feeds/<str:token>.ics", views.calendar_feed_view, name="feed_ics"),
]
