"""Working hours valid for a period and in every, even or odd ISO week; absences get a public
id (added empty here, filled by 0012, made unique by 0013)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    # No dependency on core's latest: its migration test (core/tests/test_unit_slugs.py)
    # migrates core back and forward, which would leave these unapplied.
    dependencies = [("scheduling", "0012_waitlist_wishes_and_offers")]

    operations = [
        migrations.AddField(
            model_name="absence",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="workinghours",
            name="valid_from",
            field=models.DateField(blank=True, null=True, verbose_name="valid from"),
        ),
        migrations.AddField(
            model_name="workinghours",
            name="valid_to",
            field=models.DateField(blank=True, null=True, verbose_name="valid to"),
        ),
        migrations.AddField(
            model_name="workinghours",
            name="weeks",
            field=models.CharField(
                choices=[("every", "Every week"), ("even", "Even weeks"), ("odd", "Odd weeks")],
                db_default="every",
                default="every",
                max_length=5,
                verbose_name="weeks",
            ),
        ),
        migrations.AlterField(
            model_name="workinghours",
            name="end",
            field=models.TimeField(verbose_name="to"),
        ),
        migrations.AlterField(
            model_name="workinghours",
            name="start",
            field=models.TimeField(verbose_name="from"),
        ),
        migrations.AlterField(
            model_name="workinghours",
            name="weekday",
            field=models.PositiveSmallIntegerField(verbose_name="weekday"),
        ),
        migrations.AddConstraint(
            model_name="workinghours",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("valid_from__isnull", True),
                    ("valid_to__isnull", True),
                    ("valid_from__lte", models.F("valid_to")),
                    _connector="OR",
                ),
                name="sched_hours_validity_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="workinghours",
            constraint=models.CheckConstraint(
                condition=models.Q(("weeks__in", ["every", "even", "odd"])),
                name="sched_hours_weeks",
            ),
        ),
    ]
