from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from klinik.core.auth_backend import MEMBERSHIP_ORDER
from klinik.core.models import ApiToken, Membership, Organisation, Unit, User


def user_memberships(*, user: User) -> list[Membership]:
    """The active memberships a user can act under, in switcher order, each holding `user`
    (every request resolves its actor from these: no second read of the user). The login
    backend brings them with the session's user (core/auth_backend.py)."""
    read = getattr(user, "active_memberships", None)
    if read is not None:
        return list(read)
    memberships = list(
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organisation", "unit", "community")
        .order_by(*MEMBERSHIP_ORDER)
    )
    for membership in memberships:
        membership.user = user
    return memberships


def organisation_staff(*, organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user", "unit")
        .order_by("-is_active", "user__last_name", "user__first_name", "unit__name")
    )


def organisation_units(*, organisation: Organisation) -> QuerySet[Unit]:
    return Unit.objects.filter(organisation=organisation, is_active=True).order_by("name")


def user_has_active_membership(*, user: User) -> bool:
    return Membership.objects.filter(user=user, is_active=True).exists()


def user_api_tokens(*, user: User) -> list[ApiToken]:
    """All of a user's API tokens, revoked and expired included, oldest first."""
    return list(
        ApiToken.objects.filter(user=user).select_related("organisation").order_by("created_at")
    )


def user_names(*, ids: Iterable[int]) -> dict[int, str]:
    """Per user id, the name to show (full name, else username): the names only, for lists
    that name a page's people after their sort."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {
        pk: f"{first} {last}".strip() or username
        for pk, first, last, username in User.objects.filter(pk__in=wanted).values_list(
            "pk", "first_name", "last_name", "username"
        )
    }


def units_by_sor_code(
    *, codes: Iterable[str], organisation: Organisation | None = None
) -> dict[str, bool]:
    """Per SOR code of Klinik's units (of one organisation, or of all), whether a unit with it
    is active: the local stand-in for the national SOR register (LPR3 validation). One query."""
    units = Unit.objects.filter(sor_code__in=set(codes))
    if organisation is not None:
        units = units.filter(organisation=organisation)
    found: dict[str, bool] = {}
    for sor_code, is_active in units.values_list("sor_code", "is_active"):
        found[sor_code] = found.get(sor_code, False) or is_active
    return found
