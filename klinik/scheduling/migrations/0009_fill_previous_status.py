"""Fill previous_status from each appointment's history: the from-status of its last status
change (what undo goes back to)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Appointment = apps.get_model("scheduling", "Appointment")
    AppointmentEvent = apps.get_model("scheduling", "AppointmentEvent")
    last = AppointmentEvent.objects.filter(appointment=OuterRef("pk"), kind="status").order_by(
        "-at", "-pk"
    )
    Appointment.objects.filter(
        pk__in=AppointmentEvent.objects.filter(kind="status").values("appointment_id")
    ).update(previous_status=Subquery(last.values("from_status")[:1]))


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0008_appointment_previous_status")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
