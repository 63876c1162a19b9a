"""`klinik outbox sweep`: return messages stuck "sending" (their worker died) to the queue.

Run it from cron, or once with `--schedule` to start the periodic sweep task that the task
worker (`klinik db_worker`, started by `klinik serve`) then runs every few minutes.
"""

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from klinik.correspondence.services import (
    STUCK_AFTER,
    outbox_sweep_schedule,
    outbox_sweep_stuck,
)


class Command(BaseCommand):
    help = "Outbox tools. `klinik outbox sweep` re-queues messages stuck in sending."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sweep = sub.add_parser(
            "sweep",
            help="Queue again (or, after the last attempt, fail) messages left sending.",
        )
        sweep.add_argument(
            "--minutes",
            type=int,
            default=int(STUCK_AFTER.total_seconds() // 60),
            help="sending for longer than this counts as stuck (default: %(default)s)",
        )
        sweep.add_argument(
            "--schedule",
            action="store_true",
            help="also make sure the periodic sweep task is queued for the task worker",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "sweep":
            if options["minutes"] < 1:
                raise CommandError("--minutes must be at least 1")
            result = outbox_sweep_stuck(stuck_after=timedelta(minutes=options["minutes"]))
            self.stdout.write(
                f"Outbox sweep: {result.requeued} message(s) queued again, "
                f"{result.failed} failed after the last attempt."
            )
            if options["schedule"]:
                queued = outbox_sweep_schedule()
                self.stdout.write(
                    "Periodic sweep queued." if queued else "Periodic sweep already queued."
                )
