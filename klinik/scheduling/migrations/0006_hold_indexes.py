"""The holds' indexes fit what reads them: slot search reads (resource, start, block_end) of
the time-holding rows from the index alone; the calendar finds a resource's appointments in a
period through (resource, start), which replaces the plain index on resource."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_user_must_change_password"),
        ("scheduling", "0005_queue_number_unique_per_unit_and_day"),
    ]

    operations = [
        # The new indexes first, so that the table is never without one.
        migrations.AddIndex(
            model_name="appointmentresource",
            index=models.Index(
                condition=models.Q(("holds_time", True)),
                fields=["resource", "start", "block_end"],
                name="sched_hold_cover_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="appointmentresource",
            index=models.Index(fields=["resource", "start"], name="sched_hold_resource_start_idx"),
        ),
        migrations.RemoveIndex(
            model_name="appointmentresource",
            name="sched_hold_resource_idx",
        ),
        migrations.AlterField(
            model_name="appointmentresource",
            name="resource",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="scheduling.resource",
            ),
        ),
    ]
