"""What the patient page shows of the register beside the appointments: the relatives, the
merges into the record and its recent change history.

The page is opened all day, so these reads are written out once (klinik.core.rows), as the
search's are: building and compiling the equivalent querysets cost more than running them
(about 0.3 ms a statement). The merged records' ids, which the history is read through, come
from a recursive CTE in the history's own statement instead of a query of their own. The
caller has opened the patient through access_patient, which logged the read.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Field

from klinik.core import rows
from klinik.core.models import User
from klinik.patients.models import Patient, PatientChange, PatientMerge, Relative

HISTORY_LIMIT = 50


@dataclass(frozen=True)
class HistoryRow:
    """One field's change as the page lists it."""

    changed_at: datetime
    who: str  # the full name, else the username; "" when nobody is recorded
    field: str
    old_value: str
    new_value: str
    reason: str


@dataclass(frozen=True)
class MergeRow:
    """A merge into the patient's record as the page lists it."""

    public_id: uuid.UUID
    source_cpr_display: str
    merged_at: datetime
    merged_by: str
    undone_at: datetime | None


def _fields(model: type[Any], *names: str) -> tuple[Field[Any, Any], ...]:
    found = []
    for name in names:
        field = model._meta.get_field(name)
        assert isinstance(field, Field)  # a column, not a reverse relation
        found.append(field)
    return tuple(found)


def _who(first_name: str | None, last_name: str | None, username: str | None) -> str:
    """User.get_full_name(), else the username (as `full name|default:username`)."""
    return f"{first_name or ''} {last_name or ''}".strip() or (username or "")


_RELATIVE_FIELDS = tuple(Relative._meta.concrete_fields)
_HISTORY_FIELDS = (
    *_fields(PatientChange, "changed_at", "field", "old_value", "new_value", "reason"),
    *_fields(User, "first_name", "last_name", "username"),
)
_MERGE_FIELDS = (
    *_fields(PatientMerge, "public_id"),
    *_fields(Patient, "cpr"),
    *_fields(PatientMerge, "merged_at", "undone_at"),
    *_fields(User, "first_name", "last_name", "username"),
)


@functools.cache
def _sql(vendor: str) -> dict[str, str]:
    del vendor  # keys the cache: quoting is the backend's
    t = rows.table
    return {
        "relatives": (
            f"SELECT {rows.columns(_RELATIVE_FIELDS, 'r')} FROM {t(Relative)} r "  # noqa: S608
            "WHERE r.patient_id = %s ORDER BY r.is_primary_contact DESC, r.name"
        ),
        # The patient and every record merged into it (a merge of a merge too); UNION, not
        # UNION ALL, so that a cycle could not recurse for ever.
        "history": (
            "WITH RECURSIVE record(id) AS (SELECT CAST(%s AS bigint) UNION "  # noqa: S608
            f"SELECT p.id FROM {t(Patient)} p JOIN record ON p.merged_into_id = record.id) "
            "SELECT c.changed_at, c.field, c.old_value, c.new_value, c.reason, "
            "u.first_name, u.last_name, u.username "
            f"FROM {t(PatientChange)} c LEFT JOIN {t(User)} u ON u.id = c.changed_by_id "
            "WHERE c.patient_id IN (SELECT id FROM record) "
            "ORDER BY c.changed_at DESC, c.id DESC LIMIT %s"
        ),
        "merges": (
            "SELECT m.public_id, s.cpr, m.merged_at, m.undone_at, "  # noqa: S608
            "u.first_name, u.last_name, u.username "
            f"FROM {t(PatientMerge)} m JOIN {t(Patient)} s ON s.id = m.source_id "
            f"JOIN {t(User)} u ON u.id = m.merged_by_id "
            "WHERE m.target_id = %s ORDER BY m.merged_at DESC, m.id DESC"
        ),
    }


def _fetch(name: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection.vendor)[name], params)
        found: list[tuple[Any, ...]] = cursor.fetchall()
    return found


def patient_relatives_list(*, patient: Patient) -> list[Relative]:
    """The patient's relatives, the primary contact first, then by name."""
    found = []
    for row in _fetch("relatives", [patient.pk]):
        relative, _end = rows.instance(Relative, row)
        if relative is not None:
            found.append(relative)
    return found


def patient_history_recent(*, patient: Patient, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    """The newest `limit` changes to the patient and to the records merged into it."""
    found = []
    for row in _fetch("history", [patient.pk, limit]):
        changed_at, field, old, new, reason, first, last, username = rows.converted(
            _HISTORY_FIELDS, row
        )
        found.append(HistoryRow(changed_at, _who(first, last, username), field, old, new, reason))
    return found


def patient_merge_rows(*, patient: Patient) -> list[MergeRow]:
    """The merges into the patient's record, newest first, undone ones too."""
    found = []
    for row in _fetch("merges", [patient.pk]):
        public_id, cpr, merged_at, undone_at, first, last, username = rows.converted(
            _MERGE_FIELDS, row
        )
        found.append(
            MergeRow(
                public_id, f"{cpr[:6]}-{cpr[6:]}", merged_at, _who(first, last, username), undone_at
            )
        )
    return found
