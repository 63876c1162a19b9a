from django.urls import path

from klinik.billing.invoice_desk import views

urlpatterns = [
    path("invoices/", views.invoice_list_view, name="invoice_list"),
    path("invoices/new/", views.invoice_new_view, name="invoice_new"),
    path("invoices/appointments/", views.invoice_appointments_view, name="invoice_appointments"),
    path(
        "invoices/appointments/<uuid:appointment_id>/",
        views.invoice_from_appointment_view,
        name="invoice_from_appointment",
    ),
    path("invoices/certificates/", views.invoice_certificates_view, name="invoice_certificates"),
    path(
        "invoices/certificates/<uuid:certificate_id>/",
        views.invoice_from_certificate_view,
        name="invoice_from_certificate",
    ),
    path("invoices/prices/", views.price_list_view, name="price_list"),
    path("invoices/<uuid:invoice_id>/", views.invoice_detail_view, name="invoice_detail"),
    path("invoices/<uuid:invoice_id>/pay/", views.invoice_payment_view, name="invoice_payment"),
    path("invoices/<uuid:invoice_id>/credit/", views.invoice_credit_view, name="invoice_credit"),
    path("invoices/<uuid:invoice_id>/pdf/", views.invoice_pdf_view, name="invoice_pdf"),
]
