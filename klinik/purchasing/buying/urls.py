from django.urls import path

from klinik.purchasing.buying import views

urlpatterns = [
    path("stock/suppliers/", views.supplier_list_view, name="purchasing_suppliers"),
    path(
        "stock/suppliers/<uuid:supplier_id>/",
        views.supplier_edit_view,
        name="purchasing_supplier",
    ),
    path("stock/orders/", views.order_list_view, name="purchasing_orders"),
    path("stock/orders/<uuid:order_id>/", views.order_detail_view, name="purchasing_order"),
]
