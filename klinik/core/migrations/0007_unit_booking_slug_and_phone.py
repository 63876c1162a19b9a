from django.db import migrations, models

import klinik.core.slugs


class Migration(migrations.Migration):
    """The unit's readable booking address (filled by 0008, required by 0009) and phone."""

    dependencies = [
        ("core", "0006_apitoken_expires_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="slug",
            field=models.SlugField(
                null=True,
                max_length=60,
                unique=True,
                validators=[
                    klinik.core.slugs.validate_unit_slug,
                ],
                verbose_name="online booking address",
            ),
        ),
        migrations.AddField(
            model_name="unit",
            name="phone",
            field=models.CharField(blank=True, max_length=30, verbose_name="phone"),
        ),
    ]
