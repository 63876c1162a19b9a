from django.urls import path

from klinik.staff.apprentices import views

urlpatterns = [
    path("apprentices/", views.apprentice_list_view, name="apprentices"),
    path("apprentices/<uuid:public_id>/", views.education_plan_view, name="education_plan"),
    path("me/plan/", views.my_education_plan_view, name="my_education_plan"),
]
