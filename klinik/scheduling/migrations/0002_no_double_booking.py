"""PostgreSQL refuses overlapping holds of one resource (an exclusion constraint).

Holds of one group session may overlap each other; cancelled, no-show and deliberately
overbooked holds are left out. SQLite has no exclusion constraints: there the booking service
checks for overlaps inside an IMMEDIATE transaction (see services.appointment_book).
Needs the btree_gist extension (CREATE EXTENSION needs a superuser or a trusted extension).
"""

from django.db import migrations

FORWARD = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE scheduling_appointmentresource ADD CONSTRAINT sched_hold_no_overlap
    EXCLUDE USING gist (
        resource_id WITH =,
        tstzrange(start, block_end, '[)') WITH &&,
        session_key WITH <>
    ) WHERE (holds_time AND NOT is_overbooked);
"""
BACKWARD = (
    "ALTER TABLE scheduling_appointmentresource DROP CONSTRAINT IF EXISTS sched_hold_no_overlap;"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_resources_and_appointments")]
    operations = [migrations.RunPython(forward, backward)]
