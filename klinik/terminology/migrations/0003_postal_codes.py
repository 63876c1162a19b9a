"""Danish postal codes (PostalCode) and the date of an import's source (ImportRun.source_date)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("terminology", "0002_load_starter_set")]

    operations = [
        migrations.CreateModel(
            name="PostalCode",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=4, unique=True, verbose_name="postal code")),
                ("city", models.CharField(max_length=100, verbose_name="city")),
            ],
            options={
                "verbose_name": "postal code",
                "verbose_name_plural": "postal codes",
                "ordering": ["code"],
            },
        ),
        migrations.AlterField(
            model_name="importrun",
            name="kind",
            field=models.CharField(
                choices=[
                    ("sks", "SKS import"),
                    ("starter", "Starter set and glossary"),
                    ("postal", "Postal codes"),
                ],
                max_length=8,
                verbose_name="kind",
            ),
        ),
        migrations.AddField(
            model_name="importrun",
            name="source_date",
            field=models.DateField(blank=True, null=True, verbose_name="source date"),
        ),
    ]
