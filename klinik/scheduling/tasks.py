"""Scheduling's periodic task: offering again the free times whose waiting-list offers ran out
unanswered (scheduling/waitlist.py). django-tasks has no schedule of its own: each run queues
the next, and the worker queues the chain when it starts or comes back after an outage
(core/worker.py, PERIODIC_TASKS)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

from klinik.scheduling.waitlist import REOFFER_EVERY, waitlist_reoffer


@task()
def waitlist_reoffer_run() -> dict[str, Any]:
    """Offer the stale openings again, then queue the next run. Returns a count only."""
    offered = waitlist_reoffer()
    waitlist_reoffer_schedule()
    return {"offered": offered}


def waitlist_reoffer_schedule(*, after: timedelta = REOFFER_EVERY) -> bool:
    """Queue the next run `after` from now, unless one is queued already. Returns whether one
    was queued."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=waitlist_reoffer_run.module_path, status=TaskResultStatus.READY
    )
    if waiting.exists():
        return False
    waitlist_reoffer_run.using(run_after=timezone.now() + after).enqueue()
    return True
