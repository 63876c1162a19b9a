"""Database expressions for reports that group by local day or month without a Python call per
row: Django's TruncDate/TruncMonth with a time zone run a Python function for every row on
SQLite (no time-zone database there), which costs more than the rest of a year's query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import DateField, FloatField, Func
from django.db.models.sql.compiler import SQLCompiler


@lru_cache(maxsize=16)
def offset_spans(first_year: int, last_year: int) -> tuple[tuple[str, str, int], ...]:
    """The local zone's UTC offsets over the years, as (from, to, minutes) with the bounds as
    SQLite stores UTC moments ('YYYY-MM-DD HH:MM:SS')."""
    zone = ZoneInfo(settings.TIME_ZONE)
    moment = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    spans: list[tuple[str, str, int]] = []
    start, offset = moment, moment.astimezone(zone).utcoffset()
    while moment < end:
        moment += timedelta(hours=1)
        now = moment.astimezone(zone).utcoffset()
        if now != offset or moment >= end:
            assert offset is not None
            spans.append(
                (
                    start.strftime("%Y-%m-%d %H:%M:%S"),
                    moment.strftime("%Y-%m-%d %H:%M:%S"),
                    int(offset.total_seconds() // 60),
                )
            )
            start, offset = moment, now
    return tuple(spans)


class LocalDate(Func):
    """The local calendar date (settings.TIME_ZONE) of a datetime column. PostgreSQL converts
    with AT TIME ZONE; SQLite adds the offset in force at the moment, from a CASE over the
    zone's offset spans for `years` (outside them: the offset of the years' first span)."""

    output_field = DateField()

    def __init__(self, expression: Any, *, years: tuple[int, int], **extra: Any) -> None:
        self.years = years
        super().__init__(expression, **extra)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql}) AT TIME ZONE %s)::date", [*params, settings.TIME_ZONE]

    def as_sqlite(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        spans = offset_spans(*self.years)
        cases = " ".join(f"WHEN {sql} >= %s AND {sql} < %s THEN %s" for _ in spans)
        case_params: list[Any] = []
        for start, end, minutes in spans:
            case_params += [*params, start, *params, end, f"{minutes:+d} minutes"]
        default = f"{spans[0][2]:+d} minutes"
        return (
            f"date({sql}, CASE {cases} ELSE %s END)",
            [*params, *case_params, default],
        )


class HoursBetween(Func):
    """Hours from the first datetime column to the second, as a float, in the database."""

    output_field = FloatField()
    arity = 2

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        (a, a_params), (b, b_params) = (compiler.compile(e) for e in self.source_expressions)
        return f"(EXTRACT(EPOCH FROM ({b}) - ({a})) / 3600.0)", [*b_params, *a_params]

    def as_sqlite(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        (a, a_params), (b, b_params) = (compiler.compile(e) for e in self.source_expressions)
        return f"((julianday({b}) - julianday({a})) * 24.0)", [*b_params, *a_params]
