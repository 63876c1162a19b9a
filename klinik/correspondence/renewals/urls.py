from django.urls import path

from klinik.correspondence.renewals import views

urlpatterns = [
    path("", views.renewal_list_view, name="renewal_list"),
    path("patient/<uuid:public_id>/", views.patient_renewals_view, name="patient_renewals"),
    path("<uuid:public_id>/", views.renewal_detail_view, name="renewal_detail"),
    path("<uuid:public_id>/decide/", views.renewal_decide_view, name="renewal_decide"),
    path("<uuid:public_id>/cancel/", views.renewal_cancel_view, name="renewal_cancel"),
]
