import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from klinik.core.models import Organisation, Unit
from klinik.demo.generate import generate_patients


class Command(BaseCommand):
    help = "Generate synthetic data in bulk: `klinik generate patients --count N --org SLUG`."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        patients = sub.add_parser("patients", help="synthetic Danish patients")
        patients.add_argument("--count", type=int, required=True)
        patients.add_argument("--org", required=True, help="organisation slug")
        patients.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, what: str, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["org"]).first()
        if organisation is None:
            raise CommandError(f"No organisation with slug {options['org']!r}")
        if options["count"] < 1:
            raise CommandError("--count must be at least 1")
        units = list(Unit.objects.filter(organisation=organisation, is_active=True))
        started = time.perf_counter()
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            transient=True,
        ) as progress:
            task = progress.add_task("Patients", total=options["count"])
            created = generate_patients(
                organisation=organisation,
                count=options["count"],
                seed=options["seed"],
                units=units,
                progress=lambda n: progress.advance(task, n),
            )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{created} patients in {organisation.slug} in {elapsed:.1f} s "
            f"({created / elapsed:,.0f} patients/s)"
        )
