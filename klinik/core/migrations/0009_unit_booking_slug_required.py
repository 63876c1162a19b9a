from django.db import migrations, models

import klinik.core.slugs


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_fill_unit_booking_slugs"),
    ]

    operations = [
        migrations.AlterField(
            model_name="unit",
            name="slug",
            field=models.SlugField(
                help_text="The booking link is /book/<address>/: lower-case letters, digits, hyphens.",
                max_length=60,
                unique=True,
                validators=[
                    klinik.core.slugs.validate_unit_slug,
                ],
                verbose_name="online booking address",
            ),
        ),
    ]
