"""The holds index covers the columns slot search reads: (resource, start, block_end)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_user_must_change_password"),
        ("scheduling", "0005_queue_number_unique_per_unit_and_day"),
    ]

    operations = [
        # The new index first, so that the table is never without one.
        migrations.AddIndex(
            model_name="appointmentresource",
            index=models.Index(
                condition=models.Q(("holds_time", True)),
                fields=["resource", "start", "block_end"],
                name="sched_hold_cover_idx",
            ),
        ),
        migrations.RemoveIndex(
            model_name="appointmentresource",
            name="sched_hold_resource_idx",
        ),
    ]
