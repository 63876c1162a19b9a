# Run inside `klinik shell` by .ci/fuzz-api: prints the schemathesis configuration, with the
# token and real ids of the demo clinic for the path parameters.
import os

from klinik.correspondence.models import CareMessage
from klinik.patients.models import Patient
from klinik.records.models import Dictation, Document, JournalEntry
from klinik.scheduling.models import Appointment

patient = (
    Patient.objects.filter(organisation__slug="laegehuset", status="active").order_by("pk").first()
)
ids = {
    "patient_id": patient.public_id,
    "appointment_id": Appointment.objects.filter(patient=patient)
    .values_list("public_id", flat=True)
    .first(),
    "entry_id": JournalEntry.objects.filter(organisation=patient.organisation)
    .values_list("public_id", flat=True)
    .first(),
    "document_id": Document.objects.filter(organisation=patient.organisation)
    .values_list("public_id", flat=True)
    .first(),
    "dictation_id": Dictation.objects.filter(organisation=patient.organisation)
    .values_list("public_id", flat=True)
    .first(),
    "message_id": CareMessage.objects.filter(organisation=patient.organisation, kind="care")
    .values_list("public_id", flat=True)
    .first(),
}
print(f'headers = {{ Authorization = "Bearer {os.environ["FUZZ_TOKEN"]}" }}')
print("[parameters]")
for name, value in ids.items():
    if value is not None:
        print(f'"path.{name}" = "{value}"')
