from django.urls import path

from klinik.desk.cover import views

urlpatterns = [path("", views.cover_view, name="staff_cover")]
