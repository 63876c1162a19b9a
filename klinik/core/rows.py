"""Rows of hand-written SQL, handed out as the ORM would hand them out.

For the few statements on every request's path (the API token, the patient search), building
and compiling a queryset costs more than running it. Those statements are written out once;
these helpers name the columns from the models and convert the values with the backend's and
the fields' own converters (SQLite returns text for datetimes and UUIDs, integers for
booleans), so the results are the same as the ORM's.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
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


def among(count: int) -> str:
    """The right side of a test for one of `count` parameters: `= %s`, or `IN (%s, ...)`."""
    return "= %s" if count == 1 else f"IN ({', '.join(['%s'] * count)})"


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
    return converted_rows(fields, [values])[0]


def converted_rows(
    fields: tuple[Field[Any, Any], ...], found: Iterable[Sequence[Any]]
) -> list[list[Any]]:
    """Each row's values of the fields' columns, as the ORM converts them. The converters
    are looked up once for all the rows (the lookup hashes every field)."""
    conversions = _conversions(fields, connection.vendor)
    result = [list(values) for values in found]
    if conversions:
        for values in result:
            _convert(values, conversions)
    return result


def _convert(values: list[Any], conversions: list[_Conversion]) -> None:
    for index, col, converters in conversions:
        for convert in converters:
            values[index] = convert(values[index], col, connection)


@functools.cache
def _model_read(model: type[Model], vendor: str) -> tuple[int, list[str], list[_Conversion]]:
    """A model's width in columns, its fields' attribute names and their converters: looked
    up once per model, not per row (the converters' cache hashes every field)."""
    fields = tuple(model._meta.concrete_fields)
    return len(fields), [f.attname for f in fields], _conversions(fields, vendor)


def instance(model: type[M], row: Sequence[Any], start: int = 0) -> tuple[M | None, int]:
    """The instance whose concrete fields' columns start at row[start] (None when its primary
    key is NULL, as from an outer join), and where the next columns start."""
    width, names, conversions = _model_read(model, connection.vendor)
    end = start + width
    if row[start] is None:
        return None, end
    values = list(row[start:end])
    _convert(values, conversions)
    return model.from_db(connection.alias, names, values), end


@functools.cache
def _by_public_id_sql(
    model: type[Model], organisations: int, related: str | None, vendor: str
) -> str:
    del vendor  # keys the cache: quoting is the backend's
    selected, joined = columns(model._meta.concrete_fields, "x"), ""
    if related is not None:
        key = model._meta.get_field(related)
        target = key.related_model
        assert isinstance(key, Field) and isinstance(target, type)  # a concrete foreign key
        selected += f", {columns(target._meta.concrete_fields, 'y')}"
        joined = f" JOIN {table(target)} y ON y.id = x.{_column(key)}"
    return (
        f"SELECT {selected} FROM {table(model)} x{joined} "  # noqa: S608
        f"WHERE x.public_id = %s AND x.organisation_id {among(organisations)}"
    )


def by_public_id(
    model: type[M],
    key: uuid.UUID,
    organisation_ids: frozenset[int],
    *,
    related: str | None = None,
) -> M | None:
    """The row of `model` with this public id in one of the organisations, every field
    loaded (and the object of the foreign key `related`, which must not be NULL, with it):
    the look-up each request that names a patient, practitioner or type makes."""
    if not organisation_ids:
        return None
    public_id = model._meta.get_field("public_id").get_db_prep_value(key, connection)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(
            _by_public_id_sql(model, len(organisation_ids), related, connection.vendor),
            [public_id, *sorted(organisation_ids)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    found, at = instance(model, row)
    if related is not None and found is not None:
        target = model._meta.get_field(related).related_model
        assert isinstance(target, type)
        setattr(found, related, instance(target, row, at)[0])
    return found
