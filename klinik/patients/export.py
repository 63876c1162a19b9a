"""The patient's right of access (GDPR art. 15): everything Klinik holds on a patient.

Every app that holds rows about a patient registers its part on `hooks.PATIENT_PARTS` (a
start-up check holds every model with a patient foreign key to a part), so the export is whole
by construction. JSON is the complete, machine-readable copy (ISO dates, codes); the zip adds
the documents' files; the PDF is the same content written for the patient to read: Danish
labels and values, dates as "6. december 2026 kl. 20.44", a table of contents.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone, translation

# reportlab ships no type hints (types-reportlab is not among the dev dependencies).
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph, Spacer, Table  # type: ignore[import-untyped]

from klinik.audit.selectors import access_log_for_patient
from klinik.core.hooks import hook_items, hook_register
from klinik.patients.hooks import PATIENT_PARTS, PatientPart, merge_move
from klinik.patients.models import (
    FormerIdentifier,
    Patient,
    PatientAccessGrant,
    Relative,
)
from klinik.patients.pdf import STYLES, danish, pdf_document, pdf_table
from klinik.patients.selectors import patient_history, patient_merges, patient_relatives

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


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # amounts as written, to the øre ("600.00"), never a float
    return value


def _relatives(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Navn": r.name,
            "Relation": r.get_relation_display(),
            "Telefon": r.phone,
            "E-mail": r.email,
            "Må informeres": r.may_be_informed,
            "Primær kontakt": r.is_primary_contact,
            "Note": r.note,
        }
        for r in patient_relatives(patient=patient)
    ]


def _history(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Tidspunkt": c.changed_at,
            "Ændret af": c.changed_by.get_full_name() if c.changed_by else "",
            "Oplysning": _field_title(c.field),
            "Før": c.old_value,
            "Efter": c.new_value,
            "Begrundelse": c.reason,
        }
        for c in patient_history(patient=patient)
    ]


def _merges(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Tidspunkt": m.merged_at,
            "Sammenlagt fra": m.source.cpr_display,
            "Fortrudt": m.undone_at,
        }
        for m in patient_merges(patient=patient)
    ]


def _former_identifiers(patient: Patient) -> list[dict[str, Any]]:
    return [
        {"Tidligere nummer": _identifier(f.identifier), "Afløst": f.replaced_at}
        for f in FormerIdentifier.objects.filter(patient=patient).order_by("-replaced_at")
    ]


def _access(patient: Patient) -> list[dict[str, Any]]:
    from klinik.core.choices import Role

    roles = dict(Role.choices)
    return [
        {
            "Tidspunkt": e.occurred_at,
            "Hvem": (e.user.get_full_name() if e.user else "") or e.username,
            "Rolle": str(roles.get(e.role, e.role)),
            "Enhed": e.unit.name if e.unit else "",
            "Handling": e.get_action_display(),
            "Formål": e.get_purpose_display(),
            "Nødadgang": e.is_break_glass,
        }
        for e in access_log_for_patient(
            patient_id=patient.public_id, organisation_ids=[patient.organisation_id]
        )
    ]


def _grants(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Givet": g.granted_at,
            "Til": g.user.get_full_name() or g.user.username,
            "Udløber": g.expires_at,
            "Begrundelse": g.reason,
        }
        for g in PatientAccessGrant.objects.filter(patient=patient)
        .select_related("user")
        .order_by("-granted_at")
    ]


def _identifier(value: str) -> str:
    return f"{value[:6]}-{value[6:]}" if len(value) == 10 and value.isdigit() else value


def _nothing(patient: Patient) -> list[dict[str, Any]]:
    return []


_relatives_merge, _relatives_unmerge = merge_move(Relative)
for _part in (
    PatientPart(
        "relatives",
        "Pårørende",
        ("patients.Relative",),
        _relatives,
        order=10,
        merge=_relatives_merge,
        unmerge=_relatives_unmerge,
    ),
    # Changes and former numbers stay on the merged record; the history reads both.
    PatientPart("history", "Ændringshistorik", ("patients.PatientChange",), _history, order=900),
    PatientPart(
        "former_identifiers",
        "Tidligere numre",
        ("patients.FormerIdentifier",),
        _former_identifiers,
        order=11,
    ),
    PatientPart("merges", "Sammenlægninger", ("patients.PatientMerge",), _merges, order=910),
    PatientPart(
        "access_grants",
        "Nødadgang (brudt forsegling)",
        ("patients.PatientAccessGrant",),
        _grants,
        order=980,
    ),
    PatientPart(
        "access_log",
        "Adgangslog: hvem har set dine oplysninger",
        (),
        _access,
        order=990,
    ),
    # The search index holds the name's words and nothing that "Personoplysninger" does not.
    PatientPart("search_keys", "", ("patients.PatientNameToken",), _nothing, order=0),
):
    hook_register(PATIENT_PARTS, _part)


def patient_parts() -> list[PatientPart]:
    """The registered parts in export order."""
    return sorted(hook_items(PATIENT_PARTS), key=lambda part: (part.order, part.key))


def _field_title(field: str) -> str:
    return dict(_PERSON_FIELDS).get(field, field)


def _person_pdf(patient: Patient) -> list[list[Any]]:
    """The person's own data for reading: choices by their Danish names, CPR with its dash."""
    shown = []
    for key, title in _PERSON_FIELDS:
        value: Any = getattr(patient, key)
        if key == "cpr":
            value = patient.cpr_display
        elif key == "language":
            value = translation.get_language_info(value)["name_local"] if value else ""
        else:
            display = getattr(patient, f"get_{key}_display", None)
            value = display() if display else value
        shown.append([title, value])
    return shown


def patient_export_data(*, patient: Patient) -> dict[str, Any]:
    """Everything held on the patient, as plain data (JSON types, ISO dates). The caller has
    checked access and logged the export."""
    data: dict[str, Any] = {
        "format": "klinik-patient-export/2",
        "generated_at": _json(timezone.now()),
        "controller": patient.organisation.name,
        "patient": {key: _json(getattr(patient, key)) for key, _title in _PERSON_FIELDS},
    }
    for part in patient_parts():
        if part.title:
            data[part.key] = [{k: _json(v) for k, v in row.items()} for row in part.rows(patient)]
    return data


def patient_export_json(*, patient: Patient) -> bytes:
    return json.dumps(patient_export_data(patient=patient), ensure_ascii=False, indent=2).encode()


def patient_export_zip(*, patient: Patient) -> bytes:
    """The JSON, the PDF and every file the record holds (documents, dictations)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("indsigt.json", patient_export_json(patient=patient))
        archive.writestr("indsigt.pdf", patient_export_pdf(patient=patient))
        for part in patient_parts():
            for name, content in part.files(patient) if part.files else []:
                archive.writestr(f"filer/{part.key}/{name}", content)
    return buffer.getvalue()


def patient_export_pdf(*, patient: Patient) -> bytes:
    with translation.override("da"):
        return _pdf(patient)


def _pdf(patient: Patient) -> bytes:
    sections = [(part.title, part.rows(patient)) for part in patient_parts() if part.title]
    contents = [["1", "Personoplysninger", ""]] + [
        [str(n), title, f"{len(rows)}" if rows else "ingen"]
        for n, (title, rows) in enumerate(sections, start=2)
    ]
    story: list[Any] = [
        Paragraph("Indsigt i personoplysninger", STYLES["Title"]),
        Paragraph(
            escape(
                f"Dataansvarlig: {patient.organisation.name}. "
                f"Udskrevet {danish(timezone.now())}. Her er alt, hvad klinikken opbevarer om "
                f"{patient.name}, CPR-nr. {patient.cpr_display}."
            ),
            STYLES["BodyText"],
        ),
        Spacer(1, 4 * mm),
        Paragraph("Indhold", STYLES["Heading2"]),
        Table(contents, colWidths=[10 * mm, 120 * mm, 30 * mm]),  # titles are ours: no markup
        Spacer(1, 4 * mm),
        Paragraph("1. Personoplysninger", STYLES["Heading2"]),
        pdf_table(["Oplysning", "Værdi"], _person_pdf(patient), colWidths=[55 * mm, 125 * mm]),
    ]
    for n, (title, rows) in enumerate(sections, start=2):
        story += [Spacer(1, 4 * mm), Paragraph(f"{n}. {title}", STYLES["Heading2"])]
        if rows:
            header = list(rows[0])
            story.append(pdf_table(header, [[row.get(h) for h in header] for row in rows]))
        else:
            story.append(Paragraph("Ingen.", STYLES["BodyText"]))
    return pdf_document(
        title="Indsigt i personoplysninger", author=patient.organisation.name, story=story
    )
