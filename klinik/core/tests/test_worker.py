"""The task worker waits out an unavailable database instead of ending (issue 10).

django-tasks' own worker ended with a traceback at the first "database is locked" (a bulk
import on SQLite) or at a PostgreSQL that went away, and `klinik serve` took the web server down
with it. These run the worker in this process against the test database, with the database
failing on cue; tests/…/test_outage_server.py takes a real PostgreSQL away from a real server.
"""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from django.db import OperationalError
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from klinik.core.tests.tasks import ping
from klinik.core.worker import ResilientWorker

# The worker closes its connections after a database error: not inside a test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def _worker() -> ResilientWorker:
    return ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=1,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def _error(cause: Exception) -> OperationalError:
    """Django's error for a driver's, as its wrapper raises it."""
    error = OperationalError(*cause.args)
    error.__cause__ = cause
    return error


LOCKED = sqlite3.OperationalError("database is locked")
WENT_AWAY = psycopg.OperationalError("connection to server at 127.0.0.1 failed: refused")
CLOSED = psycopg.OperationalError("server closed the connection unexpectedly")


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The worker's back-off pauses, recorded instead of slept."""
    slept: list[float] = []

    def pause(self: ResilientWorker, seconds: float) -> None:
        if len(slept) > 10:
            raise RuntimeError("the worker keeps retrying")
        slept.append(seconds)

    monkeypatch.setattr(ResilientWorker, "pause", pause)
    return slept


def test_worker_waits_out_a_locked_database_with_back_off_then_runs_the_task(monkeypatch, pauses):
    result = ping.enqueue()
    real = db_worker.exclusive_transaction
    failures = [_error(LOCKED) for _ in range(3)]

    def flaky(using=None):
        if failures:
            raise failures.pop()
        return real(using)

    monkeypatch.setattr(db_worker, "exclusive_transaction", flaky)
    _worker().run()
    assert pauses == [1.0, 2.0, 4.0]
    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == "pong"


def test_worker_waits_out_a_database_that_went_away(monkeypatch, pauses):
    result = ping.enqueue()
    real = DBTaskResult.objects.ready
    failures = [_error(WENT_AWAY)]

    def away():
        if failures:
            raise failures.pop()
        return real()

    monkeypatch.setattr(DBTaskResult.objects, "ready", away)
    _worker().run()
    assert pauses == [1.0]
    assert DBTaskResult.objects.get(id=result.id).status == TaskResultStatus.SUCCESSFUL


def test_a_task_whose_outcome_was_lost_is_marked_failed_when_the_database_returns(
    monkeypatch, pauses
):
    result = ping.enqueue()
    lost = _error(CLOSED)
    real_failed = DBTaskResult.set_failed
    outcomes = {"successful": 1, "failed": 1}  # the first tries fail: the database is away

    def set_successful(self, value):
        outcomes["successful"] -= 1
        raise lost

    def set_failed(self, exc):
        if outcomes["failed"] > 0:
            outcomes["failed"] -= 1
            raise lost
        real_failed(self, exc)

    monkeypatch.setattr(DBTaskResult, "set_successful", set_successful)
    monkeypatch.setattr(DBTaskResult, "set_failed", set_failed)
    worker = _worker()
    worker.max_tasks = None
    worker.batch = True  # stop once nothing is left to run
    worker.run()
    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path.endswith("DatabaseUnavailableDuringTask")
    assert pauses == [1.0]


def test_other_database_errors_still_end_the_worker(monkeypatch, pauses):
    """A mistake is not an outage: it ends the worker, and `klinik serve` starts it again."""
    monkeypatch.setattr(
        db_worker,
        "exclusive_transaction",
        lambda using=None: (_ for _ in ()).throw(
            _error(sqlite3.OperationalError("no such table: x"))
        ),
    )
    with pytest.raises(OperationalError):
        _worker().run()
    assert pauses == []


def test_the_periodic_chains_are_queued_again_once_the_database_is_back(monkeypatch, pauses):
    """A sweep or checkpoint run the outage broke queued no next run: the chain would have
    stopped for good. Once the database answers, the worker queues each chain again."""
    from klinik.audit.tasks import checkpoint_access_log
    from klinik.correspondence.tasks import sweep_outbox

    assert not DBTaskResult.objects.exists()  # no chain queued: as after a broken run
    ping.enqueue()
    real = DBTaskResult.objects.ready
    failures = [_error(CLOSED)]

    def away():
        if failures:
            raise failures.pop()
        return real()

    monkeypatch.setattr(DBTaskResult.objects, "ready", away)
    _worker().run()
    waiting = set(
        DBTaskResult.objects.filter(status=TaskResultStatus.READY).values_list(
            "task_path", flat=True
        )
    )
    assert {sweep_outbox.module_path, checkpoint_access_log.module_path} <= waiting
