from django.urls import path

from klinik.pathways.waiting import views

urlpatterns = [
    path(
        "referrals/unit/<uuid:unit_id>/waiting/",
        views.waiting_overview_view,
        name="waiting_overview",
    ),
    path(
        "referrals/unit/<uuid:unit_id>/waiting/warning/",
        views.waiting_warning_view,
        name="waiting_warning",
    ),
]
