"""Walk-ins given a queue number before queue_day existed get the local day of their start
(the day the number was given for). Numbers repeated within a unit and day (none are
expected: they were handed out under a lock) are renumbered in order, so the unique
constraint of the next migration holds."""

from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations


def forward(apps, schema_editor):
    Appointment = apps.get_model("scheduling", "Appointment")
    local = ZoneInfo(settings.TIME_ZONE)
    by_day = defaultdict(list)
    walk_ins = Appointment.objects.filter(queue_number__isnull=False).order_by(
        "queue_number", "id"
    )
    for appointment in walk_ins.only("id", "unit_id", "start", "queue_number"):
        by_day[(appointment.unit_id, appointment.start.astimezone(local).date())].append(
            appointment
        )
    for (_unit_id, day), appointments in by_day.items():
        numbers = [a.queue_number for a in appointments]
        renumber = len(set(numbers)) != len(numbers)
        for index, appointment in enumerate(appointments, start=1):
            appointment.queue_day = day
            if renumber:
                appointment.queue_number = index
            appointment.save(update_fields=["queue_day", "queue_number"])


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0003_appointment_queue_day")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
