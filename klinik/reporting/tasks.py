"""Task entry points of reporting (django-tasks; `klinik db_worker` runs them). Arguments are
ids only: task rows and their results hold no patient data."""

from typing import Any

from django_tasks import task


@task()
def revalidate_lpr3() -> dict[str, Any]:
    """The nightly re-validation of every organisation's LPR3 reports into the error lists,
    then the next night's run is queued. django-tasks has no schedule of its own, so each run
    queues the next; `klinik lpr3 revalidate --schedule` (run by `make run`) starts the chain.
    Returns counts only."""
    from klinik.reporting.lpr3_report.jobs import lpr3_revalidate_all, lpr3_revalidate_schedule

    result = lpr3_revalidate_all()
    lpr3_revalidate_schedule()
    return result
