from django.urls import include, path

from klinik.core import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("login/code/", views.totp_verify_view, name="totp_verify"),
    path("login/two-factor/", views.totp_setup_view, name="totp_setup"),
    path("context/", views.switch_context_view, name="switch_context"),
    path("profile/", views.profile_view, name="profile"),
    path("profile/password/", views.password_change_view, name="password_change"),
    path("setup/", include("klinik.core.setup.urls")),
    path("healthz", views.healthz_view, name="healthz"),
]
