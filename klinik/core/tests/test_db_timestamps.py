"""PostgreSQL's times are parsed by the standard library's C parser (klinik.core.db), with
exactly the values Django's own loader gives."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import DataError, connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader

from klinik.core.db import IsoTimestamptzLoader

pytestmark = pytest.mark.django_db

TEXTS = [
    "2026-12-03 08:00:00",
    "2026-12-03 08:00:00.5",
    "2026-12-03 08:00:00.123456",
    "2026-03-29 01:59:59.999999",  # the night the clocks go forward in Denmark
    "0001-01-01 00:00:00",
    "9999-12-31 23:59:59",
]


def _read(literal: str) -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT CAST(%s AS timestamptz)", [literal])
        return cursor.fetchone()[0]


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's loader")
    connection.ensure_connection()


def test_the_connection_reads_times_through_the_iso_loader(postgresql):
    loader = connection.connection.adapters.get_loader(1184, 0)  # timestamptz, text
    assert issubclass(loader, IsoTimestamptzLoader)
    assert loader.timezone is UTC  # as Django's: the zone it compares per cursor


@pytest.mark.parametrize("text", TEXTS)
def test_times_read_as_djangos_loader_reads_them(postgresql, text):
    value = _read(f"{text}+00")
    django_loader = type("DjangoLoader", (BaseTzLoader,), {"timezone": UTC})
    expected = django_loader(1184, connection.connection).load(f"{text}+00".encode())
    assert value == expected
    assert value.tzinfo is UTC
    assert value.isoformat() == expected.isoformat()


def test_a_time_written_in_another_zone_is_the_same_instant(postgresql):
    copenhagen_summer = timezone(timedelta(hours=2))
    written = datetime(2026, 7, 1, 9, 30, 15, 250000, tzinfo=copenhagen_summer)
    value = _read(written.isoformat())
    assert value == written
    assert value.tzinfo is UTC
    assert value.hour == 7


def test_what_iso_cannot_say_goes_to_psycopgs_loader(postgresql):
    with pytest.raises(DataError):  # as before: Python has no infinite datetime
        _read("infinity")
