"""A task for tests that run the worker (test_worker.py, test_outage_server.py)."""

from django_tasks import task


@task()
def ping() -> str:
    return "pong"
