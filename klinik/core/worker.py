"""The background-task worker, kept alive through database outages.

django-tasks' `db_worker` ends with a traceback at the first database error outside a task:
a SQLite file locked past its busy timeout (a bulk import) or a PostgreSQL that went away. Under
`klinik serve` that ended the web server too. This worker waits such errors out instead, with
back-off (1, 2, 4 … 30 s; from the start again once it has run a minute), and goes on polling
when the database answers. Other errors still end it; `klinik serve` starts it again.

A task whose outcome could not be recorded because the database went away meanwhile would stay
"running" for ever: it is marked failed once the database is back.

The periodic tasks (the access log's hourly checkpoint, the outbox sweep and what other apps
register on `PERIODIC_TASKS`) re-queue themselves after each run; a run the outage broke queues
no next one. When the worker starts, and once the database is back, it queues each chain
again (each schedule function queues only when none is waiting).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from klinik.audit.services import access_log_checkpoint_schedule
from klinik.core.db import database_error_summary, database_unavailable
from klinik.core.hooks import Hook, hook_items

logger = logging.getLogger("klinik.worker")

BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
# A worker that ran this long between two outages starts its back-off from the beginning.
BACKOFF_RESET_AFTER_SECONDS = 60.0


# schedule() -> whether it queued: a periodic task's chain, queued again after an outage.
PERIODIC_TASKS: Hook[Callable[[], object]] = Hook("periodic_tasks")


def periodic_tasks_ensure() -> None:
    """Queue every periodic task that has no next run waiting."""
    access_log_checkpoint_schedule()
    for schedule in hook_items(PERIODIC_TASKS):
        schedule()


class DatabaseUnavailableDuringTask(Exception):
    """Recorded on a task whose outcome was lost because the database went away."""


class ResilientWorker(Worker):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._current: DBTaskResult[..., Any] | None = None
        self._unrecorded: tuple[DBTaskResult[..., Any], BaseException] | None = None

    def run(self) -> None:
        delay = BACKOFF_FIRST_SECONDS
        recovering = True  # at start as after an outage: every periodic chain is queued
        while self.running:
            started = time.monotonic()
            try:
                self._record_unrecorded()
                if recovering:
                    periodic_tasks_ensure()
                    recovering = False
                super().run()
                return  # --batch or --max-tasks: done
            except DatabaseError as exc:
                if not database_unavailable(exc):
                    raise
                if time.monotonic() - started >= BACKOFF_RESET_AFTER_SECONDS:
                    delay = BACKOFF_FIRST_SECONDS
                self._note_interrupted_task(exc)
                logger.warning(
                    "Database unavailable (%s); the task worker tries again in %.0f s",
                    database_error_summary(exc),
                    delay,
                )
                recovering = True
                _drop_connections()
                self.pause(delay)
                delay = min(delay * 2, BACKOFF_MAX_SECONDS)
                # The first start's random delay is for a herd of workers starting together.
                self.startup_delay = False

    def pause(self, seconds: float) -> None:
        time.sleep(seconds)

    def run_task(self, db_task_result: DBTaskResult[..., Any]) -> None:
        self._current = db_task_result
        super().run_task(db_task_result)
        self._current = None

    def _note_interrupted_task(self, exc: BaseException) -> None:
        if self._current is not None:
            self._unrecorded = (self._current, exc)
            self._current = None

    def _record_unrecorded(self) -> None:
        if self._unrecorded is None:
            return
        result, exc = self._unrecorded
        lost = DatabaseUnavailableDuringTask(
            f"The database became unavailable while the task ran ({type(exc).__name__}); "
            "its outcome was not recorded."
        )
        result.set_failed(lost)
        logger.warning("Task id=%s marked failed: its outcome was lost in an outage", result.id)
        self._unrecorded = None


def _drop_connections() -> None:
    """Forget connections that died with the database; the next query connects again."""
    for conn in connections.all(initialized_only=True):
        with contextlib.suppress(DatabaseError):
            conn.close()
