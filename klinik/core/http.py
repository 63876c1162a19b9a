"""The request as Klinik's views and API endpoints see it, for the type checker.

Middleware adds attributes Django's `HttpRequest` does not declare: `actor` and `memberships`
(core.middleware.ActorMiddleware), `htmx` (django-htmx) and, in the API, `auth` (ninja sets it
to what the token authenticator returned). A view behind `@requires(...)` always has an actor,
so `ActorRequest.actor` is an `Actor`, not an optional one, and a logged-in `User`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from klinik.core.models import Membership, User
    from klinik.core.policy import Actor


class ActorRequest(HttpRequest):
    """A page request from a logged-in member (every view behind `@requires`)."""

    user: User  # `requires` sends anonymous visitors to the login page
    actor: Actor
    memberships: list[Membership]
    htmx: HtmxDetails


class PublicRequest(HttpRequest):
    """A request to a public page (login, online booking): maybe nobody is logged in."""

    actor: Actor | None
    memberships: list[Membership]
    htmx: HtmxDetails


class ApiRequest(HttpRequest):
    """An API request past the token check: `auth` is the token's actor."""

    auth: Actor
