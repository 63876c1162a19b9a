"""The record's rows about a patient, for the GDPR export and a merge (patients.hooks).

A merge moves nothing here: journal entries are never edited (the database refuses it), and the
rest of the record stays with them, so contacts, codes and entries keep pointing at each other.
The surviving patient's record is read through the merge instead (`patient_record_ids`), and an
undone merge leaves both records exactly as they were.

The same rows say when they were entered (`ENTRY_DATES`), for the retention report: the record is
kept at least ten years from its latest entry (journalføringsbekendtgørelsen, ADR 0017). Every
addition counts: an entry, its correction and signature, a contact, a code, a measurement, a
vaccination, a document, and the moments a row was removed, resolved or marked as an error.
Drafts and dictations are not the record until they become an entry.
"""

from __future__ import annotations

from typing import Any

from klinik.core.hooks import hook_register
from klinik.patients.hooks import (
    PATIENT_PARTS,
    RECORD_ENTRY_DATES,
    PatientPart,
    RecordEntryDate,
)
from klinik.patients.models import Patient
from klinik.patients.selectors import patient_record_ids
from klinik.records.documents.serving import document_filename
from klinik.records.documents.storage import document_path
from klinik.records.models import (
    Contact,
    ContactDiagnosis,
    ContactProcedure,
    Dictation,
    Document,
    JournalDraft,
    JournalEntry,
    Measurement,
    PatientWarning,
    Problem,
    Vaccination,
)


def _of(model: Any, patient: Patient) -> Any:
    return model.objects.filter(patient_id__in=patient_record_ids(patient=patient))


def _name(user: Any) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _contacts(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Start": c.started_at,
            "Slut": c.ended_at,
            "Slags": c.get_kind_display(),
            "Sted": c.unit.name,
            "Årsag": c.reason,
        }
        for c in _of(Contact, patient).select_related("unit").order_by("-started_at")
    ]


def _journal(patient: Patient) -> list[dict[str, Any]]:
    """Every version of every entry, with its signature."""
    entries = (
        _of(JournalEntry, patient)
        .select_related("author", "responsible", "unit", "signature__signed_by")
        .order_by("-occurred_at", "thread", "-version")
    )
    rows = []
    for e in entries:
        signature = getattr(e, "signature", None)
        rows.append(
            {
                "Tidspunkt": e.occurred_at,
                "Type": e.get_entry_type_display(),
                "Overskrift": e.title,
                "Tekst": e.text,
                "Version": e.version,
                "Rettelse, begrundelse": e.correction_reason,
                "Skrevet af": _name(e.author),
                "Ansvarlig": _name(e.responsible),
                "Skrevet": e.recorded_at,
                "Underskrevet af": _name(signature.signed_by) if signature else "",
                "Underskrevet": signature.signed_at if signature else None,
            }
        )
    return rows


def _drafts(patient: Patient) -> list[dict[str, Any]]:
    return [
        {"Oprettet": d.created_at, "Overskrift": d.title, "Tekst": d.text}
        for d in _of(JournalDraft, patient).order_by("-created_at")
    ]


def _diagnoses(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Registreret": d.recorded_at,
            "Slags": d.get_kind_display(),
            "Kode": d.code,
            "Diagnose": d.text,
            "Fjernet": d.removed_at,
        }
        for d in _of(ContactDiagnosis, patient).order_by("-recorded_at")
    ]


def _procedures(patient: Patient) -> list[dict[str, Any]]:
    return [
        {"Udført": p.performed_at, "Kode": p.code, "Procedure": p.text, "Fjernet": p.removed_at}
        for p in _of(ContactProcedure, patient).order_by("-performed_at")
    ]


def _problems(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Problem": p.text,
            "Kode": p.code,
            "Debut": p.onset,
            "Status": p.get_status_display(),
            "Noteret": p.noted_at,
            "Afsluttet": p.resolved_at,
        }
        for p in _of(Problem, patient).order_by("-noted_at")
    ]


def _warnings(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Slags": w.get_kind_display(),
            "Advarsel": w.text,
            "Kode": w.code,
            "Alvor": w.get_severity_display(),
            "Note": w.note,
            "Registreret": w.recorded_at,
            "Aktiv": w.is_active,
            "Inaktiveret": w.inactivated_at,
        }
        for w in _of(PatientWarning, patient).order_by("-recorded_at")
    ]


def _measurements(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Målt": m.measured_at,
            "Måling": m.get_kind_display(),
            "Værdi": f"{m.value}/{m.value2}" if m.value2 is not None else str(m.value),
            "Fejlregistrering": m.error_reason if m.error_at else "",
        }
        for m in _of(Measurement, patient).order_by("-measured_at")
    ]


def _vaccinations(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Givet": v.given_on,
            "Vaccine": v.vaccine,
            "ATC-kode": v.atc_code,
            "Batchnummer": v.batch_number,
            "Dosis": v.dose,
            "Sted på kroppen": v.get_site_display(),
            "Indberettet": v.reported_at,
            "Fejlregistrering": v.error_reason if v.error_at else "",
        }
        for v in _of(Vaccination, patient).order_by("-given_on")
    ]


def _documents(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Modtaget": d.uploaded_at,
            "Titel": d.title,
            "Slags": d.get_kind_display(),
            "Fil": document_filename(d),
            "Størrelse (byte)": d.size,
        }
        for d in _of(Document, patient).order_by("-uploaded_at")
    ]


def _document_files(patient: Patient) -> list[tuple[str, bytes]]:
    return [
        (f"{d.public_id}-{document_filename(d)}", document_path(d).read_bytes())
        for d in _of(Document, patient).order_by("uploaded_at")
    ]


def _dictations(patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "Oprettet": d.created_at,
            "Status": d.get_status_display(),
            "Frist": d.deadline,
            "Instruks": d.instructions,
            "Tekst": d.text,
            "Længde (sekunder)": d.duration_seconds,
        }
        for d in _of(Dictation, patient).order_by("-created_at")
    ]


PARTS = (
    PatientPart("contacts", "Kontakter", ("records.Contact",), _contacts, order=30),
    PatientPart(
        "journal", "Journalnotater (alle versioner)", ("records.JournalEntry",), _journal, order=31
    ),
    PatientPart("journal_drafts", "Kladder", ("records.JournalDraft",), _drafts, order=32),
    PatientPart("diagnoses", "Diagnoser", ("records.ContactDiagnosis",), _diagnoses, order=33),
    PatientPart(
        "procedures",
        "Procedurer og behandlinger",
        ("records.ContactProcedure",),
        _procedures,
        order=34,
    ),
    PatientPart("problems", "Problemliste", ("records.Problem",), _problems, order=35),
    PatientPart(
        "warnings", "Advarsler (allergier, CAVE)", ("records.PatientWarning",), _warnings, order=36
    ),
    PatientPart("measurements", "Målinger", ("records.Measurement",), _measurements, order=37),
    PatientPart("vaccinations", "Vaccinationer", ("records.Vaccination",), _vaccinations, order=38),
    PatientPart(
        "documents",
        "Dokumenter",
        ("records.Document",),
        _documents,
        order=39,
        files=_document_files,
    ),
    PatientPart("dictations", "Diktater", ("records.Dictation",), _dictations, order=40),
)


ENTRY_DATES = (
    RecordEntryDate("records.JournalEntry", "recorded_at"),
    # Through the entry: its (organisation, patient) index, then the signature's by entry.
    RecordEntryDate("records.JournalEntry", "signature__signed_at"),
    RecordEntryDate("records.Contact", "created_at"),
    RecordEntryDate("records.Contact", "ended_at"),
    RecordEntryDate("records.ContactDiagnosis", "recorded_at"),
    RecordEntryDate("records.ContactDiagnosis", "removed_at"),
    RecordEntryDate("records.ContactProcedure", "recorded_at"),
    RecordEntryDate("records.ContactProcedure", "removed_at"),
    RecordEntryDate("records.Problem", "noted_at"),
    RecordEntryDate("records.Problem", "resolved_at"),
    RecordEntryDate("records.PatientWarning", "recorded_at"),
    RecordEntryDate("records.PatientWarning", "inactivated_at"),
    RecordEntryDate("records.Measurement", "recorded_at"),
    RecordEntryDate("records.Measurement", "error_at"),
    RecordEntryDate("records.Vaccination", "recorded_at"),
    RecordEntryDate("records.Vaccination", "error_at"),
    RecordEntryDate("records.Document", "uploaded_at"),
)


def register() -> None:
    """Called from RecordsConfig.ready()."""
    for part in PARTS:
        hook_register(PATIENT_PARTS, part)
    for entry_date in ENTRY_DATES:
        hook_register(RECORD_ENTRY_DATES, entry_date)
