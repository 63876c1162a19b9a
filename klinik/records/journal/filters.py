"""The journal's filter choices: the entry types, units and authors a patient's entries
actually have, read in one statement."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    Field,
    Model,
)

from klinik.core import rows
from klinik.core.models import Unit, User
from klinik.patients.models import Patient
from klinik.records.choices import EntryType
from klinik.records.journal.selectors import user_display_name
from klinik.records.models import JournalEntry

# Filters -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterChoice:
    value: str  # what goes into the query string: a public id or a type value
    label: str


@dataclass(frozen=True)
class JournalFilters:
    types: list[FilterChoice]
    units: list[FilterChoice]
    authors: list[FilterChoice]


def _column_field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)  # a column, not a reverse relation
    return field


def _column_name(model: type[Model], name: str) -> str:
    column = _column_field(model, name).column
    assert column is not None  # only fields without a column of their own lack one
    return column


# The filter statement's columns after the entry type: the unit's, then the author's.
_FILTER_UNIT = tuple(_column_field(Unit, n) for n in ("public_id", "name"))
_FILTER_AUTHOR = tuple(
    _column_field(User, n) for n in ("public_id", "first_name", "last_name", "username")
)
_FILTER_FIELDS = (_column_field(JournalEntry, "entry_type"), *_FILTER_UNIT, *_FILTER_AUTHOR)


@functools.cache
def _filter_sql(vendor: str) -> str:
    del vendor  # keys the cache: the quoting is the backend's
    column = {
        name: connection.ops.quote_name(_column_name(JournalEntry, name))
        for name in ("organisation", "patient", "entry_type", "unit", "author")
    }
    kind, unit, author = column["entry_type"], column["unit"], column["author"]
    selected = f"d.{kind}, {rows.columns(_FILTER_UNIT, 'u')}, {rows.columns(_FILTER_AUTHOR, 'a')}"
    return (
        f"SELECT {selected} "  # noqa: S608  (constant SQL)
        f"FROM (SELECT DISTINCT {kind}, {unit}, {author} FROM {rows.table(JournalEntry)} "
        f"WHERE {column['organisation']} = %s AND {column['patient']} = %s) d "
        f"JOIN {rows.table(Unit)} u ON u.id = d.{unit} AND u.organisation_id = %s "
        f"JOIN {rows.table(User)} a ON a.id = d.{author}"
    )


def journal_filters(*, patient: Patient) -> JournalFilters:
    """The types, units and authors present in the patient's journal, for the filter UI.

    One query: the journal's distinct (type, unit, author) combinations — a few dozen however
    long the journal — joined to their units and people. (Three reads of the whole journal,
    one per list, took longer than the rest of the record page's queries together at 2,000
    entries; the statement is written out as the ORM cannot join a derived table.)
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _filter_sql(connection.vendor),
            [patient.organisation_id, patient.pk, patient.organisation_id],
        )
        found = rows.converted_rows(_FILTER_FIELDS, cursor.fetchall())
    present = {row[0] for row in found}
    labels = dict(EntryType.choices)
    types = [FilterChoice(v, str(labels[v])) for v in EntryType.values if v in present]
    units = sorted(
        {FilterChoice(str(row[1]), row[2]) for row in found},
        key=lambda choice: (choice.label.lower(), choice.label, choice.value),
    )
    people = {str(row[3]): row[4:] for row in found}
    authors = sorted(
        (
            FilterChoice(
                public_id, user_display_name(User(first_name=fn, last_name=ln, username=un))
            )
            for public_id, (fn, ln, un) in people.items()
        ),
        key=lambda choice: (choice.label.lower(), choice.label, choice.value),
    )
    return JournalFilters(types=types, units=units, authors=authors)


# Signers (added for the editor's "responsible clinician" choice) ----------------------------------
