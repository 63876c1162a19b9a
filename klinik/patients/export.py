"""The patient's right of access (GDPR art. 15): everything Klinik holds on a patient.

Sections come from a registry so later apps (appointments, journal, pathways, invoices) add
theirs without this app importing them. JSON is the complete, machine-readable copy; the PDF is
the same content laid out for printing or Digital Post.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from klinik.audit.selectors import access_log_for_patient
from klinik.patients.models import Patient
from klinik.patients.selectors import patient_history, patient_merges, patient_relatives

Section = Callable[[Patient], list[dict[str, Any]]]
EXPORT_SECTIONS: list[tuple[str, str, Section]] = []  # (key, Danish title, rows)


def register_export_section(key: str, title: str, rows: Section) -> None:
    if all(existing[0] != key for existing in EXPORT_SECTIONS):
        EXPORT_SECTIONS.append((key, title, rows))


_PERSON_FIELDS = (
    ("cpr", "CPR-nummer"),
    ("identifier_kind", "Nummertype"),
    ("given_name", "Fornavne"),
    ("family_name", "Efternavn"),
    ("birth_date", "Fødselsdato"),
    ("sex", "Juridisk køn"),
    ("address_line", "Adresse"),
    ("postal_code", "Postnummer"),
    ("city", "By"),
    ("country", "Land"),
    ("phone", "Telefon"),
    ("email", "E-mail"),
    ("preferred_channel", "Foretrukken kontakt"),
    ("language", "Sprog"),
    ("needs_interpreter", "Behov for tolk"),
    ("gp_name", "Egen læge"),
    ("gp_provider_number", "Ydernummer"),
    ("insurance_group", "Sygesikringsgruppe"),
    ("consent_share_information", "Samtykke til videregivelse"),
    ("consent_sms", "Samtykke til SMS"),
    ("consent_email", "Samtykke til e-mail"),
    ("is_address_protected", "Navne- og adressebeskyttelse"),
    ("deceased_date", "Dødsdato"),
    ("reception_note", "Note til receptionen"),
    ("is_restricted", "Behandling begrænset"),
    ("restriction_reason", "Begrundelse for begrænsning"),
    ("created_at", "Oprettet"),
    ("updated_at", "Senest ændret"),
)


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _relatives(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "navn": r.name,
            "relation": r.get_relation_display(),
            "telefon": r.phone,
            "e-mail": r.email,
            "må informeres": r.may_be_informed,
            "primær kontakt": r.is_primary_contact,
            "note": r.note,
        }
        for r in patient_relatives(patient=patient)
    ]


def _history(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "tidspunkt": _value(c.changed_at),
            "af": c.changed_by.get_full_name() if c.changed_by else "",
            "felt": c.field,
            "før": c.old_value,
            "efter": c.new_value,
            "begrundelse": c.reason,
        }
        for c in patient_history(patient=patient)
    ]


def _merges(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "tidspunkt": _value(m.merged_at),
            "sammenlagt fra": m.source.cpr_display,
            "fortrudt": _value(m.undone_at) if m.undone_at else "",
        }
        for m in patient_merges(patient=patient)
    ]


def _access(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "tidspunkt": _value(e.occurred_at),
            "hvem": (e.user.get_full_name() if e.user else "") or e.username,
            "rolle": e.role,
            "enhed": e.unit.name if e.unit else "",
            "handling": e.get_action_display(),
            "formål": e.get_purpose_display(),
            "nødadgang": e.is_break_glass,
        }
        for e in access_log_for_patient(
            patient_id=patient.public_id, organisation_ids=[patient.organisation_id]
        )
    ]


register_export_section("relatives", "Pårørende", _relatives)
register_export_section("history", "Ændringshistorik", _history)
register_export_section("merges", "Sammenlægninger", _merges)
register_export_section("access_log", "Adgangslog: hvem har set dine oplysninger", _access)


def patient_export_data(*, patient: Patient) -> dict[str, Any]:
    """Everything held on the patient, as plain data. The caller has checked access and logged."""
    person = {key: _value(getattr(patient, key)) for key, _title in _PERSON_FIELDS}
    return {
        "format": "klinik-patient-export/1",
        "generated_at": _value(timezone.now()),
        "controller": patient.organisation.name,
        "patient": person,
        **{key: rows(patient) for key, _title, rows in EXPORT_SECTIONS},
    }


def patient_export_json(*, patient: Patient) -> bytes:
    return json.dumps(patient_export_data(patient=patient), ensure_ascii=False, indent=2).encode()


def _cell(value: Any) -> str:
    if value is True:
        return "Ja"
    if value is False:
        return "Nej"
    return "" if value is None else str(value)


def patient_export_pdf(*, patient: Patient) -> bytes:
    data = patient_export_data(patient=patient)
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title="Indsigt i personoplysninger",
        author=data["controller"],
    )
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ]
    )
    story: list[Any] = [
        Paragraph("Indsigt i personoplysninger", styles["Title"]),
        Paragraph(
            f"Dataansvarlig: {data['controller']}. Udskrevet {data['generated_at']}. "
            "Oplysningerne nedenfor er alt, hvad Klinik opbevarer om dig.",
            styles["BodyText"],
        ),
        Spacer(1, 4 * mm),
        Paragraph("Personoplysninger", styles["Heading2"]),
    ]
    person = [
        [Paragraph(title, small), Paragraph(_cell(data["patient"][key]), small)]
        for key, title in _PERSON_FIELDS
    ]
    table = Table(person, colWidths=[55 * mm, 125 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
    story.append(table)
    for key, title, _rows in EXPORT_SECTIONS:
        rows = data[key]
        story += [Spacer(1, 4 * mm), Paragraph(title, styles["Heading2"])]
        if not rows:
            story.append(Paragraph("Ingen.", styles["BodyText"]))
            continue
        header = list(rows[0])
        body = [[Paragraph(h, small) for h in header]] + [
            [Paragraph(_cell(row.get(h)), small) for h in header] for row in rows
        ]
        section = Table(body, repeatRows=1)
        section.setStyle(grid)
        story.append(section)
    doc.build(story)
    return buffer.getvalue()
