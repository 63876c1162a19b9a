"""Bulk generators write in turns (issue 10): a running clinic writes while they run.

One transaction for a whole `klinik generate patients` held SQLite's single write lock for
minutes; every other writer waited out its busy timeout and failed ("database is locked"),
which took the task worker, and with it `klinik serve`, down. These tests commit for real
(transactional) and write from a second connection while a generator runs. On PostgreSQL
writers never wait for each other, so there they hold trivially; SQLite is the case.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.models import AccessLogEntry
from klinik.audit.services import access_log_record
from klinik.demo import bulk
from klinik.demo.generate import generate_patients
from klinik.demo.schedule import GP_TYPES, generate_schedule, resources_create, types_create
from klinik.patients.models import Patient
from klinik.patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def short_turns(monkeypatch: pytest.MonkeyPatch) -> None:
    """A turn after every batch, and a pause longer than a waiting writer's polling."""
    monkeypatch.setattr(bulk, "HOLD_SECONDS", 0.0, raising=False)
    monkeypatch.setattr(bulk, "RELEASE_SECONDS", 0.3, raising=False)
    monkeypatch.setattr(bulk, "WORK_SHARE", 0, raising=False)


class AnotherWriter:
    """Writes one access-log entry (as every page read does) from its own connection, started
    while the generator holds the write lock. The access log is a chain: the entry's place in
    it, before or after the run's own entry (written in the run's last transaction), shows
    whether it got in during the run or only after it."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.seq: int | None = None
        self.error: BaseException | None = None

    def start_once(self, *_: object) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._write)
            self.thread.start()

    def _write(self) -> None:
        try:
            entry = access_log_record(
                actor=None,
                username="another writer",
                action=Action.LOGIN,
                purpose=Purpose.SECURITY,
                channel=Channel.UI,
            )
            self.seq = entry.seq
        except BaseException as exc:  # reported by the test
            self.error = exc
        finally:
            connection.close()

    def join(self) -> None:
        assert self.thread is not None, "the generator never reported progress"
        self.thread.join(timeout=60)
        assert self.error is None, self.error


def test_another_writer_commits_while_the_patient_generator_runs(world, short_turns):
    writer = AnotherWriter()
    created = generate_patients(
        organisation=world.org_a,
        count=15_000,  # three batches, made in this process
        seed=5,
        units=[world.unit_a],
        progress=writer.start_once,  # after the first batch, with the next turn begun
    )
    writer.join()
    assert created == 15_000
    assert Patient.objects.filter(organisation=world.org_a).count() == 15_000 + 2
    run = AccessLogEntry.objects.get(object_type="synthetic_patients")
    assert run.reason == "15000 synthetic patients (seed 5)"
    assert writer.seq is not None
    assert writer.seq < run.seq, "the other writer waited for the whole run"


def test_another_writer_commits_while_the_schedule_generator_runs(world, short_turns):
    for _ in range(20):
        PatientFactory(unit=world.unit_a)
    practitioners, rooms = resources_create(
        unit=world.unit_a,
        practitioners=[(f"Behandler {i}", None) for i in range(3)],
        rooms=["Rum 1", "Rum 2"],
    )
    types = types_create(unit=world.unit_a, specs=GP_TYPES)
    writer = AnotherWriter()
    created = generate_schedule(
        unit=world.unit_a,
        practitioners=practitioners,
        rooms=rooms,
        types=types,
        specs=GP_TYPES,
        days_back=3,
        days_ahead=3,
        seed=3,
        progress=writer.start_once,
    )
    writer.join()
    assert created > 0
    run = AccessLogEntry.objects.get(object_type="synthetic_schedule")
    assert writer.seq is not None
    assert writer.seq < run.seq, "the other writer waited for the whole run"


def test_an_interrupted_run_keeps_and_logs_the_turns_it_committed(world, monkeypatch):
    monkeypatch.setattr(bulk, "HOLD_SECONDS", 0.0, raising=False)
    monkeypatch.setattr(bulk, "RELEASE_SECONDS", 0.0, raising=False)
    monkeypatch.setattr(bulk, "WORK_SHARE", 0, raising=False)
    batches = 0

    def interrupt_after_two(_count: int) -> None:
        nonlocal batches
        batches += 1
        if batches == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate_patients(
            organisation=world.org_a,
            count=15_000,
            seed=6,
            units=[world.unit_a],
            progress=interrupt_after_two,
        )
    # Two batches of 5,000 were committed before the interruption; nothing after.
    assert Patient.objects.filter(organisation=world.org_a).count() == 10_000 + 2
    run = AccessLogEntry.objects.get(object_type="synthetic_patients")
    assert run.reason == "10000 synthetic patients (seed 6), interrupted"


def test_inside_a_transaction_a_run_commits_nothing_early(world, monkeypatch):
    """The demo and the tests call the generators inside a transaction: they stay whole."""
    monkeypatch.setattr(bulk, "HOLD_SECONDS", 0.0, raising=False)
    with pytest.raises(RuntimeError), transaction.atomic():
        generate_patients(organisation=world.org_a, count=6_000, seed=7, units=[world.unit_a])
        raise RuntimeError("roll back")
    assert Patient.objects.filter(organisation=world.org_a).count() == 2
    assert not AccessLogEntry.objects.filter(object_type="synthetic_patients").exists()
