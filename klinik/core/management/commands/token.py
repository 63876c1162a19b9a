from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from klinik.core.errors import StaffError
from klinik.core.models import Organisation, User
from klinik.core.services import api_token_create


class Command(BaseCommand):
    help = "API tokens. `klinik token create --user USERNAME --org SLUG` prints a new token."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it once.")
        create.add_argument("--user", required=True, help="username")
        create.add_argument("--org", required=True, help="organisation slug")
        create.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user named {options['user']!r}")
        organisation = Organisation.objects.filter(slug=options["org"]).first()
        if organisation is None:
            raise CommandError(f"No organisation with slug {options['org']!r}")
        try:
            _, raw = api_token_create(user=user, organisation=organisation, name=options["name"])
        except StaffError as exc:
            raise CommandError(
                f"{options['user']} has no active role in {options['org']}: {exc.message}"
            ) from exc
        self.stdout.write(raw)
