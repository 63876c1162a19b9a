"""Task entry points (django-tasks; `klinik db_worker` runs them). Arguments are ids only:
task rows and their results must not hold patient data."""

from typing import Any

from django_tasks import task


class DeliveryCrashed(Exception):
    """An unexpected error in a delivery task, without the original's message."""


@task()
def deliver_message(message_id: int) -> str:
    # Imported here: services enqueue this task.
    from klinik.correspondence.services import outbox_message_deliver

    try:
        return outbox_message_deliver(message_id=message_id)
    except Exception as exc:
        # Failed deliveries are handled inside; this is for the unexpected (a database error).
        # django-tasks logs and stores a failed task's exception, and a database error can
        # quote the row it failed on: pass on the kind of error only.
        raise DeliveryCrashed(f"{type(exc).__name__} in outbox message {message_id}") from None


@task()
def sweep_outbox() -> dict[str, Any]:
    """The periodic sweep: messages stuck "sending" go back to the queue (or fail), then the
    next sweep is queued. django-tasks has no schedule of its own, so each run queues the next;
    `klinik outbox sweep --schedule` (run by `make run`) starts the chain, and a worker or cron
    may also run `klinik outbox sweep` directly. Returns counts only."""
    from klinik.correspondence.letters.receipts import letter_receipts_collect
    from klinik.correspondence.services import outbox_sweep_schedule, outbox_sweep_stuck

    result = outbox_sweep_stuck()
    receipts = letter_receipts_collect()  # Digital Post's receipts for letters ("kvitteret")
    outbox_sweep_schedule()
    return {"requeued": result.requeued, "failed": result.failed, "receipts": receipts}
