from django.urls import path

from klinik.purchasing import views

urlpatterns = [
    path("stock/", views.stock_view, name="stock"),
    path("stock/receipts/", views.receipt_view, name="stock_receipt"),
    path("stock/products/", views.product_view, name="stock_product"),
    path("stock/lots/<uuid:lot_id>/count/", views.count_view, name="stock_count"),
]
