"""The patients app's extension points (core/hooks.py).

- `CARE_RELATION`: apps above patients tell whether a unit treats a patient (an appointment
  there, a record contact, later a referral): `check(organisation_id, unit_id, patient_id)`.
- `PATIENT_PARTS`: every app that holds rows about a patient registers one `PatientPart` per
  kind of row: its section of the GDPR export and what a merge does with the rows. The system
  check `patients.E001` refuses to start while a model with a patient foreign key is covered
  by no part: optional registration that nobody fills is how an export misses the record.
- `RECORD_ENTRY_DATES`: every kind of row that belongs to the patient's record (journal) names
  the moment it was entered, so that the retention report can find the record's last entry
  (journalføringsbekendtgørelsen: kept at least ten years from the latest entry; ADR 0017).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from klinik.core.hooks import Hook

if TYPE_CHECKING:
    from klinik.patients.models import Patient

CareRelationCheck = Callable[[int, int, int], bool]

# rows(patient) -> one dict per row; keys are the column headings the patient reads (Danish),
# values plain data (str, bool, int, date, datetime, None): the export formats them.
Rows = Callable[["Patient"], list[dict[str, Any]]]
# merge(source_id, target_id) -> what it moved (JSON: kept on the merge); unmerge(moved,
# source_id) moves exactly that back.
Merge = Callable[[int, int], Any]
Unmerge = Callable[[Any, int], None]


@dataclass(frozen=True)
class PatientPart:
    key: str  # the JSON export's key, and the merge record's label
    title: str  # the export section's heading, in Danish, for the patient
    models: tuple[str, ...]  # "app_label.Model" with a patient foreign key this part covers
    rows: Rows
    order: int  # place in the export: person first, the access log last
    merge: Merge | None = None  # None: the rows stay and are read through the merge (link)
    unmerge: Unmerge | None = None
    files: Callable[[Patient], list[tuple[str, bytes]]] | None = None  # (name, content) in the zip


def merge_move(*models: Any) -> tuple[Merge, Unmerge]:
    """The usual merge step for mutable rows: re-point each model's `patient` to the target,
    remembering which rows, so that undo puts back exactly those."""

    def merge(source_id: int, target_id: int) -> dict[str, list[int]]:
        moved = {}
        for model in models:
            rows = model.objects.filter(patient_id=source_id)
            moved[model._meta.label] = ids = list(rows.values_list("id", flat=True))
            model.objects.filter(id__in=ids).update(patient_id=target_id)
        return moved

    def unmerge(moved: dict[str, list[int]] | list[int], source_id: int) -> None:
        if isinstance(moved, list):  # merges made before parts existed kept one id list
            moved = {models[0]._meta.label: moved}
        for model in models:
            ids = moved.get(model._meta.label, [])
            model.objects.filter(id__in=ids).update(patient_id=source_id)

    return merge, unmerge


@dataclass(frozen=True)
class RecordEntryDate:
    """One moment at which a kind of record row was written to (or changed in) the record."""

    model: str  # "app_label.Model", with an `organisation` foreign key
    field: str  # a DateTimeField of that model; empty (NULL) rows are skipped
    patient: str = "patient"  # the lookup from the row to its patient


CARE_RELATION: Hook[CareRelationCheck] = Hook("care_relation")
PATIENT_PARTS: Hook[PatientPart] = Hook("patient_parts")
RECORD_ENTRY_DATES: Hook[RecordEntryDate] = Hook("record_entry_dates")
