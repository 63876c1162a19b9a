from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from klinik.demo.clinic import DEMO_PASSWORD, USERS, demo_is_loaded, demo_load


class Command(BaseCommand):
    help = "Create the demo clinic (idempotent). Synthetic data only: never on a real install."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when organisations exist"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and demo_is_loaded():
            self.stdout.write("The database holds data already: demo data left as it is.")
        else:
            demo_load()
            self.stdout.write("Demo clinic ready.")
        logins = ", ".join([u.username for u in USERS if u.demo_login] + ["admin"])
        self.stdout.write(f"Demo logins (demo only): {logins}; password {DEMO_PASSWORD}")
