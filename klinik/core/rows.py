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
from typing import Any

from django.db import connection
from django.db.models import Field, Model

# Column index, its Col expression, the converters to apply in order.
_Conversion = tuple[int, Any, list[Any]]


def columns(fields: Sequence[Field], alias: str) -> str:
    """`alias."column", ...` of the fields, for a SELECT list."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in fields)


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@functools.cache
def _conversions(fields: tuple[Field, ...], vendor: str) -> list[_Conversion]:
    del vendor  # keys the cache: the converters are the backend's
    found = []
    for index, field in enumerate(fields):
        col = field.get_col(field.model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if converters:
            found.append((index, col, converters))
    return found


def converted(fields: tuple[Field, ...], values: Sequence[Any]) -> list[Any]:
    """The values of the fields' columns (in that order) as the ORM converts them."""
    result = list(values)
    for index, col, converters in _conversions(fields, connection.vendor):
        for convert in converters:
            result[index] = convert(result[index], col, connection)
    return result


def instance(model: type[Model], row: Sequence[Any], start: int = 0) -> tuple[Model | None, int]:
    """The instance whose concrete fields' columns start at row[start] (None when its primary
    key is NULL, as from an outer join), and where the next columns start."""
    fields = tuple(model._meta.concrete_fields)
    end = start + len(fields)
    if row[start] is None:
        return None, end
    values = converted(fields, row[start:end])
    return model.from_db(connection.alias, [f.attname for f in fields], values), end
