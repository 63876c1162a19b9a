from django.urls import path

from klinik.desk.worklist import views

urlpatterns = [
    path("", views.worklist_view, name="worklist"),
    path("take/", views.worklist_take_view, name="worklist_take"),
]
