from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from klinik.api.urls import api
from klinik.core.policy import public

urlpatterns = [
    # First: an API call is resolved without trying each screen's patterns before it.
    path("api/v1/", api.urls),
    path("", include("klinik.core.urls")),
    path("", include("klinik.staff.urls")),
    path("", include("klinik.desk.urls")),
    path("patients/", include("klinik.patients.urls")),
    path("", include("klinik.records.urls")),
    path("", include("klinik.scheduling.urls")),
    path("", include("klinik.scheduling.online.urls")),
    path("", include("klinik.pathways.urls")),
    path("", include("klinik.billing.invoice_desk.urls")),
    path("", include("klinik.billing.receivables.urls")),
    path("", include("klinik.billing.fees.urls")),
    path("", include("klinik.purchasing.urls")),
    path("", include("klinik.purchasing.buying.urls")),
    path("outbox/", include("klinik.correspondence.urls")),
    path("setup/templates/", include("klinik.correspondence.setup.urls")),
    path("medcom/", include("klinik.correspondence.messages.urls")),
    path("breve/", include("klinik.correspondence.letters.urls")),
    path("recepter/", include("klinik.correspondence.renewals.urls")),
    path("attester/", include("klinik.correspondence.certificates.urls")),
    path("patientbeskeder/", include("klinik.correspondence.econsult.urls")),
    path("", include("klinik.correspondence.selfservice.urls")),
    path("reports/", include("klinik.reporting.urls")),
    path("i18n/setlang/", public(set_language), name="set_language"),
]
if settings.DEBUG or settings.DEMO:
    # Django's admin is a developer's tool here; staff administration has its own screens.
    urlpatterns.append(path("django-admin/", admin.site.urls))

handler400 = "klinik.desk.views.error_400"
handler403 = "klinik.desk.views.error_403"
handler404 = "klinik.desk.views.error_404"
handler500 = "klinik.desk.views.error_500"
