from django.urls import path

from klinik.reporting.drg import views

urlpatterns = [
    path("", views.drg_overview_view, name="drg_overview"),
    path("import/", views.drg_import_view, name="drg_import"),
    path("pathways/<uuid:pathway_id>/", views.drg_pathway_view, name="drg_pathway"),
]
