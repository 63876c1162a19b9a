from django.urls import path

from klinik.billing.fees import views

urlpatterns = [
    path("fees/", views.fee_day_view, name="fee_day"),
    path("fees/suggest/", views.fee_suggest_view, name="fee_suggest"),
    path("fees/approve/", views.fee_approve_view, name="fee_approve"),
    path("fees/<uuid:fee_id>/", views.fee_change_view, name="fee_change"),
    path("fees/settlements/", views.settlement_list_view, name="settlement_list"),
    path(
        "fees/settlements/<uuid:settlement_id>/",
        views.settlement_detail_view,
        name="settlement_detail",
    ),
    path(
        "fees/settlements/<uuid:settlement_id>/file/",
        views.settlement_file_view,
        name="settlement_file",
    ),
]
