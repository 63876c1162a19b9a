from django.urls import include, path

urlpatterns = [
    path("calendar/", include("klinik.scheduling.calendar.urls")),
    path("reception/", include("klinik.scheduling.reception.urls")),
    path("setup/", include("klinik.scheduling.setup.urls")),
]
