"""Synthetic Danish patients in bulk, for the demo, benchmarks and load tests.

Realistic enough to exercise search and the screens: valid CPR numbers across all centuries,
Danish names with æ/ø/å and their frequencies, addresses, phones, relatives, some replacement
numbers, protected addresses and deaths (people.py). A worker process makes the people while
this process inserts them with executemany (bulk.py), with the same search keys the register
writes and one access-log entry per run. The inserts commit in turns of about a second
(bulk.Turns), so that the running clinic can write in between.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.queues import Queue
from typing import Any

from django.db import connection
from django.utils import timezone

from klinik.core.models import Organisation, Unit
from klinik.demo.bulk import (
    Turns,
    bulk_insert,
    bulk_log,
    bulk_log_interrupted,
    db_datetime,
    reserve_ids,
)
from klinik.demo.people import (
    PERSON_COLUMNS,
    RELATIVE_COLUMNS,
    Batch,
    PeopleMaker,
    produce,
)
from klinik.patients.models import Patient, PatientNameToken, Relative

BATCH = 5000
# Below this, starting a worker process costs more than it saves.
WORKER_THRESHOLD = 20_000


@contextlib.contextmanager
def _large_sqlite_cache() -> Iterator[None]:
    """Inserting millions of rows into large indexes needs more than the default page cache."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size=-1048576")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size={int(previous)}")


def generate_patients(
    *,
    organisation: Organisation,
    count: int,
    seed: int,
    units: Sequence[Unit] = (),
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert `count` synthetic patients; returns how many were created."""
    unit_ids: list[int | None] = [u.pk for u in units] or [None]
    maker_kwargs = {
        "seed": seed,
        "unit_ids": unit_ids,
        "taken": set(
            Patient.objects.filter(organisation=organisation).values_list("cpr", flat=True)
        ),
        "today": timezone.localdate(),
        "native_uuid": connection.features.has_native_uuid_field,
        "iso_dates": connection.vendor == "sqlite",
    }
    sizes = [min(BATCH, count - start) for start in range(0, count, BATCH)]
    stamp = db_datetime(timezone.now())
    created = committed = 0
    try:
        with _large_sqlite_cache(), Turns() as turns:
            for batch in _batches(sizes, maker_kwargs):
                _insert(organisation.pk, batch, stamp)
                created += len(batch.people)
                if turns.take_turn():
                    committed = created
                if progress is not None:
                    progress(len(batch.people))
            bulk_log(
                object_type="synthetic_patients",
                organisation_id=organisation.pk,
                reason=f"{created} synthetic patients (seed {seed})",
            )
    except BaseException:
        if committed:
            bulk_log_interrupted(
                object_type="synthetic_patients",
                organisation_id=organisation.pk,
                reason=f"{committed} synthetic patients (seed {seed}), interrupted",
            )
        raise
    return created


def _batches(sizes: list[int], maker_kwargs: dict[str, Any]) -> Iterator[Batch]:
    if sum(sizes) < WORKER_THRESHOLD:
        maker = PeopleMaker(**maker_kwargs)
        for size in sizes:
            yield maker.batch(size)
        return
    # A fresh interpreter (spawn) shares no database connection with this process.
    context = multiprocessing.get_context("spawn")
    queue: Queue[Batch | None] = context.Queue(maxsize=4)
    worker = context.Process(target=produce, args=(queue, sizes, maker_kwargs), daemon=True)
    worker.start()
    try:
        while (batch := queue.get()) is not None:
            yield batch
    finally:
        worker.join(timeout=5)
        if worker.is_alive():
            worker.terminate()


def _insert(organisation_id: int, batch: Batch, stamp: object) -> None:
    ids = reserve_ids(Patient, len(batch.people))
    bulk_insert(
        Patient,
        ("id", "organisation_id", *PERSON_COLUMNS, "created_at", "updated_at"),
        [
            (pk, organisation_id, *person, stamp, stamp)
            for pk, person in zip(ids, batch.people, strict=True)
        ],
    )
    token_ids = reserve_ids(PatientNameToken, len(batch.tokens))
    bulk_insert(
        PatientNameToken,
        ("id", "organisation_id", "patient_id", "token", "sort_name", "words"),
        [
            (tid, organisation_id, ids[index], token, sort_name, words)
            for tid, (index, token, sort_name, words) in zip(token_ids, batch.tokens, strict=True)
        ],
    )
    relative_ids = reserve_ids(Relative, len(batch.relatives))
    bulk_insert(
        Relative,
        ("id", "organisation_id", *RELATIVE_COLUMNS, "created_at"),
        [
            (rid, organisation_id, public_id, ids[index], *rest, stamp)
            for rid, (public_id, index, *rest) in zip(relative_ids, batch.relatives, strict=True)
        ],
    )
