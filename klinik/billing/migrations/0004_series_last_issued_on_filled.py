"""Each series remembers the invoice date of its last number (the check that a later number
never carries an earlier date reads it there: docs/adr/0036). Filled from the invoice that
holds the series' last number."""

from django.db import migrations


def forward(apps, schema_editor):
    InvoiceSeries = apps.get_model("billing", "InvoiceSeries")
    Invoice = apps.get_model("billing", "Invoice")
    for series in InvoiceSeries.objects.filter(last_number__gt=0, last_issued_on__isnull=True):
        day = (
            Invoice.objects.filter(organisation_id=series.organisation_id)
            .order_by("-number")
            .values_list("issued_on", flat=True)
            .first()
        )
        if day is not None:
            InvoiceSeries.objects.filter(pk=series.pk).update(last_issued_on=day)


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_series_last_issued_on")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
