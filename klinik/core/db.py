"""Database helpers shared by the apps."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection, transaction


@contextlib.contextmanager
def serial_plans() -> Iterator[None]:
    """Plan the queries inside serially on PostgreSQL.

    A query over a few thousand rows (a week's holds, a day's appointment history) gets a
    parallel worker whose start-up costs more than the query itself: 13 ms against 5.5 ms
    for the week overview's counts, 7 ms against 3 ms for the reception board's version,
    at a year of bookings. Elsewhere a no-op."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield
