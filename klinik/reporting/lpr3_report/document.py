"""Klinik's data as one patient's LPR3 report (the JSON of issue 18 §3), built in bulk.

Per patient: every pathway of the patient's organisation is a forløbselement (id: the
pathway's public id; ansvarlig: its unit's SOR code), with its referral, its markers in force
and the contacts linked to it (PathwayLink). A contact linked to several pathways is reported
under the earliest. A contact linked to none, at a unit where the patient has a pathway, goes
under an *implicit* forløbselement of that unit (no label: the rules then ask for the contact to
be put on a pathway); contacts at units where the patient has no pathway are not reported
(ADR 0032). A physical contact without registered stays stays at its unit for its whole period.

`reports_build` reads a batch of patients with a fixed number of queries (the bulk selectors of
pathways and records), so the nightly re-validation of a unit reads per batch, not per contact.
It checks no access: `patient_report` (one patient, logged) and the system's re-validation do.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from klinik.audit.choices import Channel
from klinik.core.policy import Actor, Perm
from klinik.pathways.models import Pathway
from klinik.pathways.selectors import lpr3_pathways
from klinik.patients.access import access_patient
from klinik.patients.models import Patient
from klinik.records.choices import LPR_TYPE_PHYSICAL, DiagnosisKind
from klinik.records.clinical.selectors import lpr3_contacts
from klinik.records.models import Contact

# The implicit forløbselement's id: a UUID v5 of the patient and the unit (stable over runs).
IMPLICIT_NAMESPACE = uuid.UUID("5e7b1c1a-4a55-4d8e-9a43-6c2f3b0f1d32")


@dataclass
class Element:
    """Where one forløbselement of the document came from."""

    unit_id: int
    pathway_id: int | None  # None: the implicit element of the unit's unlinked contacts
    contact_ids: list[int] = field(default_factory=list)


@dataclass
class BuiltReport:
    """A patient's document and the map from its parts back to Klinik's rows."""

    organisation_id: int
    patient_id: int
    patient_public_id: uuid.UUID
    document: dict[str, Any]
    elements: list[Element]
    # Per contact id: the start and end (for the error list's deadlines).
    contact_times: dict[int, tuple[datetime, datetime | None]]
    pathway_times: dict[int, tuple[datetime, datetime | None]]

    def where(self, path: str) -> tuple[int | None, int | None, int | None]:
        """(unit id, pathway id, contact id) a finding's path points into."""
        match = _PATH.match(path)
        if match is None or int(match.group(1)) >= len(self.elements):
            return None, None, None
        element = self.elements[int(match.group(1))]
        contact_id = None
        if match.group(2) is not None and int(match.group(2)) < len(element.contact_ids):
            contact_id = element.contact_ids[int(match.group(2))]
        return element.unit_id, element.pathway_id, contact_id


_PATH = re.compile(r"^forloebselementer\[(\d+)\](?:\.kontakter\[(\d+)\])?")


def _t(at: datetime | None) -> str | None:
    return timezone.localtime(at).isoformat(timespec="seconds") if at is not None else None


def _sor(code: str) -> str | None:
    return code or None


def _contact(contact: Contact) -> dict[str, Any]:
    stays = [
        {"enhed": _sor(s.unit.sor_code), "start": _t(s.started_at), "slut": _t(s.ended_at)}
        for s in contact.lpr3_stays  # type: ignore[attr-defined]
    ]
    if not stays and contact.lpr_contact_type == LPR_TYPE_PHYSICAL:
        stays = [
            {
                "enhed": _sor(contact.unit.sor_code),
                "start": _t(contact.started_at),
                "slut": _t(contact.ended_at),
            }
        ]
    return {
        "id": str(contact.public_id),
        "type": contact.lpr_contact_type,
        "prioritet": contact.lpr_contact_priority,
        "ansvarlig": _sor(contact.unit.sor_code),
        "start": _t(contact.started_at),
        "slut": _t(contact.ended_at),
        "aarsag": contact.lpr_reason or None,
        "opholdsadresser": stays,
        "diagnoser": [
            {"kode": d.code, "art": "A" if d.kind == DiagnosisKind.MAIN else "B"}
            for d in contact.lpr3_diagnoses  # type: ignore[attr-defined]
        ],
        "procedurer": [
            {"kode": p.code, "start": _t(p.performed_at), "slut": None}
            for p in contact.lpr3_procedures  # type: ignore[attr-defined]
        ],
    }


def _pathway(pathway: Pathway, contacts: list[Contact]) -> dict[str, Any]:
    referral = pathway.referral
    return {
        "id": str(pathway.public_id),
        "label": pathway.label or None,
        "ansvarlig": _sor(pathway.unit.sor_code),
        "start": _t(pathway.started_at),
        "slut": _t(pathway.ended_at),
        "afslutningsmaade": pathway.end_mode or None,
        # Henvisningsmåde and fritvalg are not registered in Klinik (ADR 0032): sent empty.
        "henvisning": None
        if referral is None
        else {
            "tidspunkt": _t(referral.received_at),
            "maade": None,
            "aarsag": referral.diagnosis or None,
            "fritvalg": None,
            "instans": referral.referrer_sor or None,
        },
        "markoerer": [
            {"kode": m.code, "tidspunkt": _t(m.at)}
            for m in pathway.lpr3_markers  # type: ignore[attr-defined]
        ],
        "kontakter": [_contact(c) for c in contacts],
    }


def _implicit(patient: Patient, unit_id: int, contacts: list[Contact]) -> dict[str, Any]:
    unit = contacts[0].unit
    return {
        "id": str(uuid.uuid5(IMPLICIT_NAMESPACE, f"{patient.public_id}:{unit.public_id}")),
        "label": None,
        "ansvarlig": _sor(unit.sor_code),
        "start": _t(contacts[0].started_at),
        "slut": None,
        "afslutningsmaade": None,
        "henvisning": None,
        "markoerer": [],
        "kontakter": [_contact(c) for c in contacts],
    }


def _one(
    patient: Patient, pathways: list[Pathway], contacts: list[Contact], now: datetime
) -> BuiltReport:
    by_id = {c.pk: c for c in contacts}
    placed: set[int] = set()
    elements: list[Element] = []
    parts: list[dict[str, Any]] = []
    for pathway in pathways:
        mine = [
            by_id[cid]
            for cid in pathway.lpr3_contact_ids  # type: ignore[attr-defined]
            if cid in by_id and cid not in placed
        ]
        mine.sort(key=lambda c: (c.started_at, c.pk))
        placed.update(c.pk for c in mine)
        elements.append(Element(pathway.unit_id, pathway.pk, [c.pk for c in mine]))
        parts.append(_pathway(pathway, mine))
    pathway_units = {p.unit_id for p in pathways}
    loose: dict[int, list[Contact]] = {}
    for contact in contacts:
        if contact.pk not in placed and contact.unit_id in pathway_units:
            loose.setdefault(contact.unit_id, []).append(contact)
    for unit_id, mine in sorted(loose.items()):
        elements.append(Element(unit_id, None, [c.pk for c in mine]))
        parts.append(_implicit(patient, unit_id, mine))
    return BuiltReport(
        organisation_id=patient.organisation_id,
        patient_id=patient.pk,
        patient_public_id=patient.public_id,
        document={
            "indberetningstidspunkt": _t(now),
            "patient": {"cpr": patient.cpr},
            "forloebselementer": parts,
        },
        elements=elements,
        contact_times={c.pk: (c.started_at, c.ended_at) for c in contacts},
        pathway_times={p.pk: (p.started_at, p.ended_at) for p in pathways},
    )


def reports_build(
    *,
    actor: Actor | None,
    organisation_id: int,
    patients: list[Patient],
    now: datetime | None = None,
) -> list[BuiltReport]:
    """The reports of a batch of one organisation's patients. No access check and no log here:
    `actor`'s read was checked and logged at the patient's door; None is the system's run."""
    now = now or timezone.now()
    ids = [p.pk for p in patients]
    pathways: dict[int, list[Pathway]] = {}
    for pathway in lpr3_pathways(actor=actor, organisation_id=organisation_id, patient_ids=ids):
        pathways.setdefault(pathway.patient_id, []).append(pathway)
    contacts: dict[int, list[Contact]] = {}
    for contact in lpr3_contacts(actor=actor, organisation_id=organisation_id, patient_ids=ids):
        contacts.setdefault(contact.patient_id, []).append(contact)
    return [_one(p, pathways.get(p.pk, []), contacts.get(p.pk, []), now) for p in patients]


def patient_report(
    *,
    actor: Actor,
    public_id: uuid.UUID | str,
    channel: Channel,
    now: datetime | None = None,
) -> BuiltReport:
    """One patient's report through the patient access function (the read is logged)."""
    patient = access_patient(
        actor=actor,
        public_id=public_id,
        channel=channel,
        perm=Perm.REPORT_LPR3,
        object_type="lpr3_report",
    )
    return reports_build(
        actor=actor, organisation_id=patient.organisation_id, patients=[patient], now=now
    )[0]
