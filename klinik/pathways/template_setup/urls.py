from django.urls import path

from klinik.pathways.template_setup import views

urlpatterns = [
    path("referrals/templates/", views.template_list_view, name="pathway_templates"),
    path("referrals/templates/new/", views.template_edit_view, name="pathway_template_new"),
    path(
        "referrals/templates/<slug:code>/", views.template_edit_view, name="pathway_template_edit"
    ),
]
