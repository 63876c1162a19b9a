"""Task entry points (django-tasks; `klinik db_worker` runs them)."""

from typing import Any

from django_tasks import task


@task()
def checkpoint_access_log() -> dict[str, Any]:
    """The hourly witness checkpoint. django-tasks has no schedule of its own, so each run
    queues the next, first, so that a failed write (the witness disk away) is tried again an
    hour later; `klinik audit checkpoint --schedule` (run by `make run`) starts the chain.
    Returns the head's number only."""
    # Imported here: services enqueue this task.
    from klinik.audit.services import access_log_checkpoint, access_log_checkpoint_schedule

    access_log_checkpoint_schedule()
    checkpoint = access_log_checkpoint()
    return {"seq": checkpoint.seq}
