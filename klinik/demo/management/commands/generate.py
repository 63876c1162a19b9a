import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from klinik.core.models import Organisation, Unit
from klinik.demo.generate import generate_patients
from klinik.demo.schedule import GP_TYPES, generate_schedule, resources_create, types_create


class Command(BaseCommand):
    help = "Generate synthetic data in bulk: `klinik generate patients --count N --org SLUG`."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        patients = sub.add_parser("patients", help="synthetic Danish patients")
        patients.add_argument("--count", type=int, required=True)
        patients.add_argument("--org", required=True, help="organisation slug")
        patients.add_argument("--seed", type=int, default=1)
        schedule = sub.add_parser("schedule", help="resources, types and a year of bookings")
        schedule.add_argument("--org", required=True, help="organisation slug")
        schedule.add_argument("--practitioners", type=int, default=50)
        schedule.add_argument("--rooms", type=int, default=20)
        schedule.add_argument("--days-back", type=int, default=300)
        schedule.add_argument("--days-ahead", type=int, default=65)
        schedule.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, what: str, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["org"]).first()
        if organisation is None:
            raise CommandError(f"No organisation with slug {options['org']!r}")
        if what == "schedule":
            self._schedule(organisation, options)
            return
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

    def _schedule(self, organisation: Organisation, options: dict[str, Any]) -> None:
        unit = Unit.objects.filter(organisation=organisation, is_active=True).order_by("id").first()
        if unit is None:
            raise CommandError(f"{organisation.slug} has no unit")
        practitioners, rooms = resources_create(
            unit=unit,
            practitioners=[
                (f"Behandler {i + 1:02d}", None) for i in range(options["practitioners"])
            ],
            rooms=[f"Rum {i + 1:02d}" for i in range(options["rooms"])],
        )
        types = types_create(unit=unit, specs=GP_TYPES)
        started = time.perf_counter()
        try:
            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                transient=True,
            ) as progress:
                task = progress.add_task("Appointments", total=None)
                created = generate_schedule(
                    unit=unit,
                    practitioners=practitioners,
                    rooms=rooms,
                    types=types,
                    specs=GP_TYPES,
                    days_back=options["days_back"],
                    days_ahead=options["days_ahead"],
                    seed=options["seed"],
                    progress=lambda n: progress.advance(task, n),
                )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{created} appointments for {len(practitioners)} practitioners and {len(rooms)} "
            f"rooms in {unit.name} in {elapsed:.1f} s"
        )
