from django.urls import include, path

urlpatterns = [
    path("calendar/", include("klinik.scheduling.calendar.urls")),
    path("reception/", include("klinik.scheduling.reception.urls")),
    path("types/", include("klinik.scheduling.types.urls")),
    path("waitlist/", include("klinik.scheduling.waitlist_desk.urls")),
    path("setup/", include("klinik.scheduling.setup.urls")),
]
