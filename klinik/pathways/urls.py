from django.urls import include, path

urlpatterns = [
    path("", include("klinik.pathways.referral_desk.urls")),
    path("", include("klinik.pathways.waiting.urls")),
    path("", include("klinik.pathways.template_setup.urls")),
]
