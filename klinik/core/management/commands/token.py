"""`klinik token create | list | revoke`: API tokens from the console."""

import re
from argparse import ArgumentParser
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from klinik.core.api_tokens import api_token_create, api_token_revoke
from klinik.core.errors import StaffError, TokenError
from klinik.core.models import ApiToken, Organisation, User
from klinik.core.selectors import user_api_tokens

_DURATION = re.compile(r"^(\d+)([hdw])$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def _duration(value: str) -> timedelta:
    match = _DURATION.match(value.strip())
    if match is None or int(match[1]) == 0:
        raise CommandError(
            f"--expires-in {value!r}: give a number of hours, days or weeks, e.g. 12h, 90d, 2w"
        )
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


def _when(moment: datetime | None, empty: str) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else empty


def _status(token: ApiToken, now: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


class Command(BaseCommand):
    help = (
        "API tokens. `create --user U --org SLUG [--expires-in 90d]` prints a new token once; "
        "`list --user U` shows a user's tokens (never the tokens themselves); "
        "`revoke PREFIX` stops one at once."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it once.")
        create.add_argument("--user", required=True, help="username")
        create.add_argument("--org", required=True, help="organisation slug")
        create.add_argument("--name", default="", help="what the token is for")
        create.add_argument(
            "--expires-in",
            default="",
            help="refused after this long: 12h, 90d, 2w (default: never)",
        )
        listing = sub.add_parser("list", help="A user's tokens: prefix, organisation, dates.")
        listing.add_argument("--user", required=True, help="username")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix (from `list`).")
        revoke.add_argument("prefix", help="the prefix `list` shows, e.g. klk_AbC123")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "create":
            self._create(options)
        elif action == "list":
            self._list(options)
        else:
            try:
                token = api_token_revoke(prefix_or_token=options["prefix"])
            except TokenError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"Revoked {token.prefix} ({token.user.username}).")

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}")
        return user

    def _create(self, options: dict[str, Any]) -> None:
        expires_in = _duration(options["expires_in"]) if options["expires_in"] else None
        user = self._user(options["user"])
        organisation = Organisation.objects.filter(slug=options["org"]).first()
        if organisation is None:
            raise CommandError(f"No organisation with slug {options['org']!r}")
        try:
            _, raw = api_token_create(
                user=user, organisation=organisation, name=options["name"], expires_in=expires_in
            )
        except StaffError as exc:
            raise CommandError(
                f"{options['user']} has no active role in {options['org']}: {exc.message}"
            ) from exc
        self.stdout.write(raw)

    def _list(self, options: dict[str, Any]) -> None:
        now = timezone.now()
        rows = [
            (
                token.prefix,
                token.organisation.slug,
                _when(token.created_at, "-"),
                _when(token.expires_at, "never"),
                _when(token.last_used_at, "never"),
                _status(token, now),
                token.name,
            )
            for token in user_api_tokens(user=self._user(options["user"]))
        ]
        header = ("PREFIX", "ORGANISATION", "CREATED", "EXPIRES", "LAST-USED", "STATUS", "NAME")
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            self.stdout.write(
                "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            )
