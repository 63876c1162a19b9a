"""Every unit gets a booking address from its name, Danish letters spelt out ("Lægehuset" →
"laegehuset"); the organisation's name when the unit's gives nothing; a number on clashes
("klinik", "klinik-2"), oldest unit first. Self-contained: no app code (it may change)."""

import re
import unicodedata
import uuid

from django.db import migrations

MAX_LENGTH = 60
RESERVED = {"manage"}
DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def slugify(text):
    text = unicodedata.normalize("NFKD", text.translate(DANISH))
    text = text.encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text.lower())
    return re.sub(r"[-\s]+", "-", text).strip("-_")


def is_uuid(text):
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def fill(apps, schema_editor):
    Unit = apps.get_model("core", "Unit")
    taken = set(Unit.objects.exclude(slug=None).values_list("slug", flat=True)) | RESERVED
    for unit in Unit.objects.filter(slug=None).select_related("organisation").order_by("pk"):
        base = (slugify(unit.name) or slugify(unit.organisation.name) or "enhed")[:50]
        base = base.strip("-") or "enhed"
        slug, n = base, 1
        while slug in taken or is_uuid(slug):
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        unit.slug = slug
        unit.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_unit_booking_slug_and_phone"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
