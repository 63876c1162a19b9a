"""Absences' public ids are required and unique (the API names an absence by it)."""

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0014_fill_absence_public_ids")]

    operations = [
        migrations.AlterField(
            model_name="absence",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
