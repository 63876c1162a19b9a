from django.urls import path

from klinik.billing.receivables import views

urlpatterns = [
    path("invoices/debtors/", views.debtor_list_view, name="invoice_debtors"),
    path("invoices/open.csv", views.open_items_csv_view, name="invoice_open_csv"),
    path("invoices/cash-up/", views.cash_up_view, name="invoice_cash_up"),
    path("invoices/journal.csv", views.journal_csv_view, name="invoice_journal_csv"),
    path("invoices/saft.xml", views.saft_view, name="invoice_saft"),
    path("invoices/report/", views.report_view, name="invoice_report"),
    path(
        "invoices/<uuid:invoice_id>/reminders/",
        views.reminder_send_view,
        name="invoice_reminder_send",
    ),
    path(
        "invoices/<uuid:invoice_id>/reminders/<int:sequence>/pdf/",
        views.reminder_pdf_view,
        name="invoice_reminder_pdf",
    ),
    path("invoices/<uuid:invoice_id>/danmark/", views.danmark_report_view, name="invoice_danmark"),
]
