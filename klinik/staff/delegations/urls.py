from django.urls import path

from klinik.staff.delegations import views

urlpatterns = [
    path("delegations/", views.delegation_register_view, name="delegations"),
    path("delegations/<uuid:public_id>/", views.delegation_detail_view, name="delegation_detail"),
    path("instructions/", views.instruction_library_view, name="instructions"),
    path("instructions/reads/", views.instruction_reads_view, name="instruction_reads"),
    path(
        "instructions/<uuid:public_id>/", views.instruction_detail_view, name="instruction_detail"
    ),
    path(
        "instructions/<uuid:public_id>/read/", views.instruction_read_view, name="instruction_read"
    ),
]
