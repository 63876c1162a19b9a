"""Load the shipped, dated table of Danish postal codes, so that a fresh database fills the
town from the postal code.

Reads klinik/terminology/data/postal_codes.tsv through `postal_read`/`postal_apply`, which
import no models; later tables reach existing databases through `klinik terminology postal`
(and `klinik terminology starter --if-changed` on `make run`).
"""

from django.db import migrations
from django.utils import timezone


def load(apps, schema_editor):
    from klinik.terminology import postal
    from klinik.terminology.importer import file_checksum

    path = postal.POSTAL_CODES_PATH
    if not path.exists():
        return
    started = timezone.now()
    read = postal.postal_read(path)
    if read.problems:
        return
    counts = postal.postal_apply(model=apps.get_model("terminology", "PostalCode"), codes=read.codes)
    apps.get_model("terminology", "ImportRun").objects.create(
        kind="postal",
        file_name=path.name,
        source_url=read.source,
        source_date=read.source_date,
        checksum=file_checksum(path),
        started_at=started,
        finished_at=timezone.now(),
        rows_read=counts.read,
        rows_created=counts.created,
    )


def unload(apps, schema_editor):
    apps.get_model("terminology", "PostalCode").objects.all().delete()
    apps.get_model("terminology", "ImportRun").objects.filter(kind="postal").delete()


class Migration(migrations.Migration):
    dependencies = [("terminology", "0003_postal_codes")]

    operations = [migrations.RunPython(load, unload)]
