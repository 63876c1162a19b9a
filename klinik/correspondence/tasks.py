"""Task entry points (django-tasks; `klinik db_worker` runs them). Arguments are ids only:
task rows and their results must not hold patient data."""

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
