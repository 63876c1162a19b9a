"""Give every existing absence its own public id."""

import uuid

from django.db import migrations


def fill(apps, schema_editor):
    Absence = apps.get_model("scheduling", "Absence")
    for absence in Absence.objects.filter(public_id__isnull=True).only("pk").iterator():
        Absence.objects.filter(pk=absence.pk).update(public_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0013_hours_validity_weeks_and_absence_ids")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
