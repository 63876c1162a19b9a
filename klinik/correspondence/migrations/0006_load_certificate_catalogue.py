"""The national certificate catalogue and its dated prices, from the shipped data file
(certificates/data/certificate_types.json; docs/adr/0027)."""

from django.db import migrations


def load(apps, schema_editor):
    from klinik.correspondence.certificates.catalogue import catalogue_load

    catalogue_load(
        apps.get_model("correspondence", "CertificateType"),
        apps.get_model("correspondence", "CertificatePrice"),
    )


class Migration(migrations.Migration):
    dependencies = [("correspondence", "0005_renewals_certificates_patient_messages")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
