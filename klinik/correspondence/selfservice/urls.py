"""Public: the patient's self-service page behind the signed link."""

from django.urls import path

from klinik.correspondence.selfservice import views

urlpatterns = [
    path("selvbetjening/<str:token>/", views.selfservice_view, name="selfservice"),
]
