"""Everything about one patient, across the apps: the GDPR export holds every part, a merge
takes the whole patient along and its undo restores both exactly, and a model with a patient
foreign key that no part covers stops start-up (patients.hooks.PATIENT_PARTS)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from django.apps import apps
from pypdf import PdfReader

from klinik.core.choices import Role
from klinik.core.hooks import hook_items
from klinik.core.models import Membership
from klinik.core.services import actor_from_membership
from klinik.correspondence.models import OutboxMessage
from klinik.demo.clinic import demo_load
from klinik.patients.checks import patient_parts_cover_every_patient_model
from klinik.patients.export import patient_parts
from klinik.patients.hooks import PATIENT_PARTS
from klinik.patients.models import Patient, Relative
from klinik.patients.selectors import patient_record_ids
from klinik.patients.services import patient_merge, patient_merge_undo
from klinik.patients.tests.factories import PatientFactory
from klinik.records.models import JournalEntry
from klinik.scheduling.models import Appointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    demo_load(patients_per_unit=8, records_per_unit=12)


def _member(username: str) -> Membership:
    return Membership.objects.select_related("user", "organisation", "unit").get(
        user__username=username, organisation__slug="laegehuset"
    )


def _fullest_patient() -> Patient:
    """The demo patient of the GP practice with the most parts holding rows."""
    patients = Patient.objects.filter(organisation__slug="laegehuset", status="active")

    def filled(patient: Patient) -> int:
        return sum(bool(part.rows(patient)) for part in patient_parts() if part.title)

    return max(patients, key=filled)


def _patient_field(model) -> str:
    return next(
        f.name
        for f in model._meta.fields
        if f.is_relation and f.related_model is Patient and f.name != "merged_into"
    )


def test_the_export_of_a_demo_patient_holds_every_part_pdf_json_and_zip(demo, client):
    patient = _fullest_patient()
    # Text that reportlab would read as markup is printed as it is.
    Relative.objects.create(
        organisation=patient.organisation, patient=patient, name="Ib & <b>Co</b>", relation="other"
    )
    client.force_login(_member("sekretaer").user)
    data = json.loads(client.get(f"/patients/{patient.public_id}/export.json").content)
    ids = patient_record_ids(patient=patient)
    for part in patient_parts():
        if not part.title:
            continue
        assert part.key in data, part.key
        for label in part.models:
            model = apps.get_model(label)
            rows = model.objects.filter(**{f"{_patient_field(model)}__in": ids})
            if rows.exists():
                assert data[part.key], f"{part.key}: rows exist but the export shows none"
    # A full record: the demo gives this patient all of these.
    for key in ("appointments", "contacts", "journal", "diagnoses", "access_log"):
        assert data[key], key
    assert any(row["Underskrevet af"] for row in data["journal"])
    roles = {row["Rolle"] for row in data["access_log"]}
    assert roles and not roles & {r.value for r in Role}, "roles by their Danish names"

    # The PDF is written for the patient.
    response = client.get(f"/patients/{patient.public_id}/export.pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Indhold" in text and "Journalnotater (alle versioner)" in text and "Aftaler" in text
    assert patient.cpr_display in text  # CPR with its dash
    assert "Ib & <b>Co</b>" in text
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", text), "no ISO timestamps"
    assert re.search(r"\d{1,2}\. [a-zæøå]+ \d{4} kl\. \d\d\.\d\d", text), "Danish dates"
    for code in ("male", "female", "digital_post", "booked", "secretary", "doctor"):
        assert not re.search(rf"\b{code}\b", text), code

    # The zip: the JSON, the PDF and every document's file.
    response = client.get(f"/patients/{patient.public_id}/export.zip")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert {"indsigt.json", "indsigt.pdf"} <= set(names)
    files = [n for n in names if n.startswith("filer/documents/")]
    assert len(files) == len(json.loads(archive.read("indsigt.json"))["documents"])


def test_a_merge_takes_the_whole_patient_and_undo_restores_both(demo):
    secretary = actor_from_membership(_member("sekretaer"))
    manager = actor_from_membership(_member("klinikchef"))
    source = _fullest_patient()
    target = PatientFactory(unit=source.unit, given_name=source.given_name)
    appointments = set(Appointment.objects.filter(patient=source).values_list("pk", flat=True))
    messages = set(OutboxMessage.objects.filter(patient=source).values_list("pk", flat=True))
    entries = list(JournalEntry.objects.filter(patient=source).values_list("pk", "patient_id"))
    assert appointments and entries
    before = {part.key: part.rows(source) for part in patient_parts() if part.title}

    merge = patient_merge(actor=secretary, source=source, target=target, reason="samme person")
    survivor = merge.target
    assert set(Appointment.objects.filter(patient=survivor).values_list("pk", flat=True)) == (
        appointments
    )
    assert set(OutboxMessage.objects.filter(patient=survivor).values_list("pk", flat=True)) == (
        messages
    )
    # The journal is not edited: it is read through the merge.
    kept = JournalEntry.objects.filter(pk__in=[pk for pk, _ in entries])
    assert sorted(kept.values_list("pk", "patient_id")) == sorted(entries)
    merged_view = {part.key: part.rows(survivor) for part in patient_parts() if part.title}
    for key in ("appointments", "journal", "diagnoses", "measurements", "messages"):
        assert len(merged_view[key]) == len(before[key]), key

    patient_merge_undo(actor=manager, merge=merge, reason="forkert person")
    source.refresh_from_db()
    after = {part.key: part.rows(source) for part in patient_parts() if part.title}
    for key in ("appointments", "journal", "diagnoses", "measurements", "messages", "relatives"):
        # Rows at the same time may come back in another order (PostgreSQL): compare as sets.
        assert sorted(map(repr, after[key])) == sorted(map(repr, before[key])), key
    assert not Appointment.objects.filter(patient=target).exists()
    assert patient_record_ids(patient=target) == [target.pk]


def test_start_up_is_refused_while_a_patient_model_has_no_part(monkeypatch):
    assert patient_parts_cover_every_patient_model() == []
    kept = [part for part in hook_items(PATIENT_PARTS) if part.key != "vaccinations"]
    monkeypatch.setattr(PATIENT_PARTS, "items", kept)
    errors = patient_parts_cover_every_patient_model()
    assert [e.id for e in errors] == ["patients.E001"]
    assert "records.Vaccination" in errors[0].msg
