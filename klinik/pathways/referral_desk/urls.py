from django.urls import path

from klinik.pathways.referral_desk import views

urlpatterns = [
    path("referrals/", views.referral_home_view, name="referral_home"),
    path("referrals/unit/<uuid:unit_id>/", views.referral_list_view, name="referral_list"),
    path("referrals/unit/<uuid:unit_id>/new/", views.referral_new_view, name="referral_new"),
    path("referrals/<uuid:referral_id>/", views.referral_detail_view, name="referral_detail"),
    path(
        "referrals/<uuid:referral_id>/visitation/",
        views.referral_visitation_view,
        name="referral_visitation",
    ),
    path(
        "referrals/<uuid:referral_id>/attach/", views.referral_attach_view, name="referral_attach"
    ),
    path("pathways/<uuid:pathway_id>/", views.pathway_detail_view, name="pathway_detail"),
    path("pathways/<uuid:pathway_id>/markers/", views.pathway_marker_view, name="pathway_marker"),
    path(
        "pathways/<uuid:pathway_id>/markers/<uuid:marker_id>/remove/",
        views.pathway_marker_remove_view,
        name="pathway_marker_remove",
    ),
    path("pathways/<uuid:pathway_id>/link/", views.pathway_link_view, name="pathway_link"),
    path("pathways/<uuid:pathway_id>/close/", views.pathway_close_view, name="pathway_close"),
]
