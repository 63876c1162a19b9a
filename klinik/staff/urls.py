from django.urls import include, path

from klinik.staff import views

# Paths and names kept from core (tests, the navigation and the dashboard use them).
urlpatterns = [
    path("staff/", views.staff_list_view, name="staff_list"),
    path("staff/add/", views.staff_add_view, name="staff_add"),
    path("staff/<uuid:public_id>/role/", views.staff_role_view, name="staff_role"),
    path("staff/<uuid:public_id>/active/", views.staff_active_view, name="staff_active"),
    path("staff/courses/", views.course_catalogue_view, name="staff_courses"),
    path("staff/matrix/", views.staff_matrix_view, name="staff_matrix"),
    path("staff/me/", views.staff_me_view, name="staff_me"),
    path("staff/<uuid:public_id>/profile/", views.staff_profile_view, name="staff_profile"),
    path("staff/<uuid:public_id>/photo/", views.staff_photo_view, name="staff_photo"),
    path(
        "staff/training/<uuid:public_id>/certificate/",
        views.training_certificate_view,
        name="training_certificate",
    ),
    path("staff/", include("klinik.staff.delegations.urls")),
    path("staff/", include("klinik.staff.apprentices.urls")),
    path("staff/<uuid:public_id>/courses/", views.staff_training_view, name="staff_training"),
    path(
        "staff/<uuid:public_id>/competences/",
        views.staff_competences_view,
        name="staff_competences",
    ),
]
