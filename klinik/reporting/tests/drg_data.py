"""Small fixtures for the DRG and dashboard tests: contacts and pathways made as rows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from klinik.core.models import Unit
from klinik.pathways.models import Pathway, PathwayLink
from klinik.patients.models import Patient
from klinik.records.choices import ContactKind
from klinik.records.models import Contact

CPH = ZoneInfo("Europe/Copenhagen")
HEADER = "periode;type;id;drg;dags;takst"


def contact_make(unit: Unit, patient: Patient, when: datetime) -> Contact:
    return Contact.objects.create(
        organisation_id=unit.organisation_id,
        unit=unit,
        patient=patient,
        kind=ContactKind.PHYSICAL,
        started_at=when,
        ended_at=when,
    )


def pathway_make(unit: Unit, patient: Patient, when: datetime, label: str = "ALAL01") -> Pathway:
    return Pathway.objects.create(
        organisation_id=unit.organisation_id,
        unit=unit,
        patient=patient,
        label=label,
        title="Udredning for lungekræft",
        started_at=when,
    )


def link(pathway: Pathway, contact: Contact) -> None:
    PathwayLink.objects.create(
        organisation_id=pathway.organisation_id, pathway=pathway, contact=contact
    )


def csv_file(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()
