"""Rows of hand-written SQL, handed out as the ORM would hand them out.

For the few statements on every request's path (the API token, the patient search), building
and compiling a queryset costs more than running it. Those statements are written out once;
these helpers name the columns from the models and convert the values with the backend's and
the fields' own converters (SQLite returns text for datetimes and UUIDs, integers for
booleans), so the results are the same as the ORM's.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)
# Column index, its Col expression, the converters to apply in order.
_Conversion = tuple[int, Any, list[Any]]


def columns(fields: Sequence[Field[Any, Any]], alias: str) -> str:
    """`alias."column", ...` of the fields, for a SELECT list."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(_column(f))}" for f in fields)


def _column(field: Field[Any, Any]) -> str:
    if field.column is None:  # a concrete field always has one
        raise ValueError(f"{field} has no column")
    return field.column


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@functools.cache
def _conversions(fields: tuple[Field[Any, Any], ...], vendor: str) -> list[_Conversion]:
    del vendor  # keys the cache: the converters are the backend's
    found: list[_Conversion] = []
    for index, field in enumerate(fields):
        col = field.get_col(field.model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if converters:
            found.append((index, col, converters))
    return found


def converted(fields: tuple[Field[Any, Any], ...], values: Sequence[Any]) -> list[Any]:
    """The values of the fields' columns (in that order) as the ORM converts them."""
    result = list(values)
    for index, col, converters in _conversions(fields, connection.vendor):
        for convert in converters:
            result[index] = convert(result[index], col, connection)
    return result


def instance(model: type[M], row: Sequence[Any], start: int = 0) -> tuple[M | None, int]:
    """The instance whose concrete fields' columns start at row[start] (None when its primary
    key is NULL, as from an outer join), and where the next columns start."""
    fields = tuple(model._meta.concrete_fields)
    end = start + len(fields)
    if row[start] is None:
        return None, end
    values = converted(fields, row[start:end])
    return model.from_db(connection.alias, [f.attname for f in fields], values), end
